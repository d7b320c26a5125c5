"""Stage 5 (compile): the model to troposphere templates, one per stack.

The stage itself is `compiler.stage` (compile_spec, the stack layout, waves); the service
builders are `compiler.services`. This package module imports nothing, so the leaves every
other stage reads (`naming`, `ids`) load without the builders or troposphere.
"""
