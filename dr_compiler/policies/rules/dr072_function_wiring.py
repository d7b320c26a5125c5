"""DR072: function wiring: every trigger can reach its function and the function can do its job.

Spec-level, on the model:

- a queue trigger needs `consume` access on that queue: the event source mapping polls with
  the function's role, which the compiler grants exactly what `access` asks for;
- the queue's visibility timeout is at least the function's timeout (Lambda refuses the
  event source mapping otherwise) and, as AWS recommends, six times it (a warning);
- the failover function has `database: failover` (it promotes the secondary cluster), and,
  when failover is automatic, `trigger: {alarm: api_health}`: the failover topic subscribes
  `failover.function`, but only an alarm-triggered function gets the permission that lets
  the topic invoke it; an alarm-triggered function that is not the automatic failover
  function is invoked by nothing;
- the API function serves the load balancer only: a function with a queue trigger, an alarm
  trigger or a schedule, or the failover function, is meant for something else, and putting
  the API behind it mixes event shapes and timeouts (the ALB waits for the function).
"""

from __future__ import annotations

from collections.abc import Iterator

from dr_compiler.model import Function, Spec
from dr_compiler.policies.rule import Level, Rule, Severity, Violation

# https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html: "set the source
# queue's visibility timeout to at least six times the configuration timeout on your
# function"; "Lambda validates this requirement [function timeout <= visibility timeout]
# when you create or update an event source mapping and will return an error".
RECOMMENDED_VISIBILITY_FACTOR = 6
SQS_EVENT_SOURCE_URL = "https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html"


def _queue_trigger(spec: Spec, function: Function) -> Iterator[Violation]:
    queue_name = function.trigger_queue
    if queue_name is None:
        return
    trigger = ("functions", function.index, "trigger", "queue")
    if function.access.queues.get(queue_name) != "consume":
        yield Violation(
            f"function {function.name} is triggered by queue {queue_name} without consume "
            f"access to it: the event source mapping cannot receive or delete messages; add "
            f"access: {{queues: {{{queue_name}: consume}}}}",
            function.name,
            path=trigger,
        )
    queue = spec.queue(queue_name)
    visibility = ("queues", queue.index, "visibility_timeout_seconds")
    recommended = RECOMMENDED_VISIBILITY_FACTOR * function.timeout_seconds
    if queue.visibility_timeout_seconds < function.timeout_seconds:
        yield Violation(
            f"queue {queue.name} visibility timeout {queue.visibility_timeout_seconds} s is "
            f"less than the timeout of its consumer {function.name} "
            f"({function.timeout_seconds} s): Lambda refuses the event source mapping; set "
            f"visibility_timeout_seconds to at least {recommended}",
            queue.name,
            path=visibility,
        )
    elif queue.visibility_timeout_seconds < recommended:
        yield Violation(
            f"queue {queue.name} visibility timeout {queue.visibility_timeout_seconds} s is "
            f"less than six times the timeout of its consumer {function.name} "
            f"({function.timeout_seconds} s), which AWS recommends so that throttled batches "
            f"can be retried; set visibility_timeout_seconds to at least {recommended}",
            queue.name,
            path=visibility,
            severity=Severity.WARNING,
        )


def _failover(spec: Spec) -> Iterator[Violation]:
    automatic = spec.failover.automatic
    name = spec.failover.function
    for function in spec.functions:
        if function.trigger_alarm and not (automatic and function.name == name):
            yield Violation(
                f"function {function.name} has trigger alarm {function.trigger_alarm}, but "
                "the failover topic invokes only the automatic failover function: set "
                f"failover.function: {function.name} and failover.automatic: true, or remove "
                "the trigger",
                function.name,
                path=("functions", function.index, "trigger", "alarm"),
            )
    if name is None:
        return
    function = spec.function(name)
    where = ("failover", "function")
    if function.access.database != "failover":
        yield Violation(
            f"failover function {name} has database access "
            f"{function.access.database or 'none'}: promoting the secondary cluster needs "
            f"access: {{database: failover}} on function {name}",
            name,
            path=where,
        )
    if automatic and function.trigger_alarm is None:
        yield Violation(
            f"failover function {name} has no trigger: {{alarm: api_health}}: the failover "
            "topic subscribes it but has no permission to invoke it; add the trigger or set "
            "failover.automatic: false",
            name,
            path=where,
        )


def _api(spec: Spec) -> Iterator[Violation]:
    if spec.api is None:
        return
    function = spec.function(spec.api.function)
    roles = [
        role
        for role, present in (
            (f"is triggered by queue {function.trigger_queue}", function.trigger_queue),
            (f"is triggered by alarm {function.trigger_alarm}", function.trigger_alarm),
            (f"is triggered by table {function.trigger_table}", function.trigger_table),
            (f"runs on schedule {function.schedule}", function.schedule),
            ("is the failover function", function.name == spec.failover.function),
        )
        if present
    ]
    if roles:
        yield Violation(
            f"api.function {function.name} {' and '.join(roles)}: the API needs a function "
            "of its own that only serves the load balancer",
            function.name,
            path=("api", "function"),
        )


def check_spec(spec: Spec) -> Iterator[Violation]:
    for function in spec.functions:
        yield from _queue_trigger(spec, function)
    yield from _failover(spec)
    yield from _api(spec)


RULE = Rule(
    id="DR072",
    title="Function wiring: triggers have the access they need, queue visibility covers the "
    "consumer's timeout, the failover function can fail over",
    severity=Severity.ERROR,
    level=Level.SPEC,
    rationale=(
        "A queue consumer without consume access never receives a message; a queue whose "
        "visibility timeout is shorter than its consumer's timeout is refused by Lambda when "
        "the event source mapping is created, so the deploy fails (below six times the "
        "timeout, throttled batches come back before they can be retried, which AWS advises "
        "against). A failover function that cannot promote the cluster, or that its alarm "
        "cannot invoke, leaves the design unable to fail over while every other check is "
        "green; and an API served by a queue consumer or the failover function gets events "
        "it was not written for."
    ),
    remediation=(
        "Give each queue-triggered function access: {queues: {<queue>: consume}}; set the "
        "queue's visibility_timeout_seconds to at least six times the consumer's "
        "timeout_seconds; give failover.function access: {database: failover} and, with "
        "failover.automatic: true, trigger: {alarm: api_health}; serve api.function from a "
        "function with no trigger or schedule of its own."
    ),
    docs=SQS_EVENT_SOURCE_URL,
    bad_example=(
        "queues:\n  - {name: payments, visibility_timeout_seconds: 30}\nfunctions:\n"
        "  - name: payment-processor\n    timeout_seconds: 60\n"
        "    trigger: {queue: payments}\n    access: {queues: {payments: send}}\n"
    ),
    good_example=(
        "queues:\n  - {name: payments, visibility_timeout_seconds: 360}\nfunctions:\n"
        "  - name: payment-processor\n    timeout_seconds: 60\n"
        "    trigger: {queue: payments}\n    access: {queues: {payments: consume}}\n"
    ),
    check_spec=check_spec,
    tags=("functions", "failover"),
)
