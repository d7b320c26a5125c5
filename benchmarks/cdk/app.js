'use strict';
// The AWS CDK app of the architecture specs/prod.yaml compiles to (templates_out/prod/), written
// the way a CDK user would: L2 constructs where aws-cdk-lib has them, L1 (Cfn*) where it has none
// (WAFv2, the Aurora global cluster). benchmarks/run.py times `cdk synth` of this app against
// `python -m dr_compiler build specs/prod.yaml` and then counts the resources of both, stack by
// stack (README.md here says how the stacks map).
//
// Stacks, as dr_compiler deploys them: us-east-1 (the primary, base and attach in one stack),
// us-west-2-base and us-west-2-attach (the secondary), and global (DNS failover, in us-east-1).
// Cross-region values reach the global stack and the secondary's attach stack as parameters,
// as in ours. No lookups: explicit account, regions and availability zones, so synth needs no
// credentials and no network.
const path = require('node:path');
const cdk = require('aws-cdk-lib');
const backup = require('aws-cdk-lib/aws-backup');
const cloudwatch = require('aws-cdk-lib/aws-cloudwatch');
const cwActions = require('aws-cdk-lib/aws-cloudwatch-actions');
const dynamodb = require('aws-cdk-lib/aws-dynamodb');
const ec2 = require('aws-cdk-lib/aws-ec2');
const elbv2 = require('aws-cdk-lib/aws-elasticloadbalancingv2');
const elbTargets = require('aws-cdk-lib/aws-elasticloadbalancingv2-targets');
const events = require('aws-cdk-lib/aws-events');
const eventTargets = require('aws-cdk-lib/aws-events-targets');
const iam = require('aws-cdk-lib/aws-iam');
const kms = require('aws-cdk-lib/aws-kms');
const lambda = require('aws-cdk-lib/aws-lambda');
const lambdaSources = require('aws-cdk-lib/aws-lambda-event-sources');
const logs = require('aws-cdk-lib/aws-logs');
const rds = require('aws-cdk-lib/aws-rds');
const route53 = require('aws-cdk-lib/aws-route53');
const s3 = require('aws-cdk-lib/aws-s3');
const secretsmanager = require('aws-cdk-lib/aws-secretsmanager');
const sns = require('aws-cdk-lib/aws-sns');
const subscriptions = require('aws-cdk-lib/aws-sns-subscriptions');
const sqs = require('aws-cdk-lib/aws-sqs');
const wafv2 = require('aws-cdk-lib/aws-wafv2');

const { Duration, RemovalPolicy, Stack } = cdk;
const FUNCTIONS_DIR = path.resolve(__dirname, '..', '..', 'functions');

const ACCOUNT = '111111111111';
const APP = 'payments';
const ENV = 'prod';
const PRIMARY = 'us-east-1';
const SECONDARY = 'us-west-2';
const REGIONS = [PRIMARY, SECONDARY];
const CIDRS = { 'us-east-1': '10.0.0.0/16', 'us-west-2': '10.1.0.0/16' };
const CERTIFICATES = {
  'us-east-1': 'arn:aws:acm:us-east-1:111111111111:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
  'us-west-2': 'arn:aws:acm:us-west-2:111111111111:certificate/1a2b3c4d-5e6f-7081-92a3-b4c5d6e7f809',
};
const TAGS = { CostCenter: 'Operations', Criticality: 'High', Environment: ENV, Owner: 'payments-platform' };
const ZONE = 'payments.acmecorp.net';
const RECORD = `api.${ZONE}`;
const HEALTH_URL = `https://${RECORD}/health`;
const METRIC_NAMESPACE = `DRCompiler/${APP}-${ENV}`;
const GLOBAL_CLUSTER_ID = `${APP}-global-${ENV}`;
const RETENTION_DAYS = 365;
const BACKUP_RETENTION = Duration.days(35);
const TABLES = [
  { id: 'TransactionsTable', name: 'transactions', key: 'transaction_id' },
  { id: 'FailoverEventsTable', name: 'failover-events', key: 'event_id' },
];
const FUNCTIONS = [
  { id: 'PaymentApi', name: 'payment-api', source: 'payment_api', timeout: 15, vpc: true },
  { id: 'PaymentProcessor', name: 'payment-processor', source: 'payment_processor', timeout: 30, vpc: true },
  { id: 'HealthMonitor', name: 'health-monitor', source: 'health_monitor', timeout: 15, vpc: false, reserved: 2 },
  { id: 'FailoverTrigger', name: 'failover-trigger', source: 'failover_trigger', timeout: 60, vpc: false, reserved: 2 },
];

const named = (what) => `${APP}-${what}-${ENV}`;
const regional = (what, region) => `${APP}-${what}-${region}-${ENV}`;
const clusterId = (region) => regional('db', region);
const keyAliasArn = (stack, region) =>
  stack.formatArn({ service: 'kms', region, resource: 'alias', resourceName: `${APP}-${region}-${ENV}` });
const clusterArn = (stack, region) =>
  stack.formatArn({ service: 'rds', region, resource: 'cluster', resourceName: clusterId(region), arnFormat: cdk.ArnFormat.COLON_RESOURCE_NAME });
const globalClusterArn = (stack) =>
  stack.formatArn({ service: 'rds', region: '', resource: 'global-cluster', resourceName: GLOBAL_CLUSTER_ID, arnFormat: cdk.ArnFormat.COLON_RESOURCE_NAME });
const pascal = (region) => region.split('-').map((part) => part[0].toUpperCase() + part.slice(1)).join('');

function alarm(stack, id, props, topic, extraActions = []) {
  const created = new cloudwatch.Alarm(stack, id, {
    evaluationPeriods: 1,
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    ...props,
  });
  created.addAlarmAction(new cwActions.SnsAction(topic), ...extraActions.map((t) => new cwActions.SnsAction(t)));
  created.addOkAction(new cwActions.SnsAction(topic));
  return created;
}

function queueDepth(queue, period = Duration.minutes(1)) {
  return queue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' });
}

// The stack's key; `scope` names its alias: the region, or `global` for the DNS stack.
function regionKey(stack, scope) {
  const region = stack.region;
  const key = new kms.Key(stack, 'KmsKey', {
    description: `${APP} ${ENV} ${region}: data at rest`,
    enableKeyRotation: true,
    alias: `${APP}-${scope}-${ENV}`,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  key.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'LogsEncryptLogGroups',
    principals: [new iam.ServicePrincipal(`logs.${region}.amazonaws.com`)],
    actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
    resources: ['*'],
    conditions: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': stack.formatArn({ service: 'logs', resource: '*', arnFormat: cdk.ArnFormat.NO_RESOURCE_NAME }) } },
  }));
  key.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'CloudWatchAlarmsPublish',
    principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
    actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
    resources: ['*'],
    conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
  }));
  key.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'TopicsDeliverToEncryptedQueues',
    principals: [new iam.ServicePrincipal('sns.amazonaws.com')],
    actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
    resources: ['*'],
    conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
  }));
  return key;
}

function alertTopic(stack, key) {
  const topic = new sns.Topic(stack, 'AlertTopic', { topicName: named('alerts'), masterKey: key });
  topic.addSubscription(new subscriptions.EmailSubscription('oncall@example.com'));
  return topic;
}

// What every region holds before its stack set attaches the database and the API: the network,
// the region's key, the buckets, the alert topic and the backup vault.
function addBase(stack, region) {
  const key = regionKey(stack, region);
  const zones = ['a', 'b', 'c'].map((letter) => `${region}${letter}`);
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    ipAddresses: ec2.IpAddresses.cidr(CIDRS[region]),
    availabilityZones: zones,
    natGateways: 0,
    subnetConfiguration: [
      { name: 'Private', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 19 },
      { name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 19, mapPublicIpOnLaunch: false },
    ],
    gatewayEndpoints: {
      S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
      Dynamodb: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB },
    },
  });
  const flowLogGroup = new logs.LogGroup(stack, 'FlowLogGroup', {
    retention: logs.RetentionDays.ONE_YEAR,
    encryptionKey: key,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  vpc.addFlowLog('FlowLog', { destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup) });

  const lambdaSg = new ec2.SecurityGroup(stack, 'LambdaSecurityGroup', {
    vpc, allowAllOutbound: false, description: 'Lambda functions: HTTPS to AWS services, database port to the database',
  });
  lambdaSg.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to AWS services through VPC endpoints (no internet route)');
  const databaseSg = new ec2.SecurityGroup(stack, 'DatabaseSecurityGroup', {
    vpc, allowAllOutbound: false, description: 'Database cluster: the database port from the Lambda functions only',
  });
  databaseSg.addIngressRule(lambdaSg, ec2.Port.tcp(5432), 'Database port from the Lambda functions');
  lambdaSg.addEgressRule(databaseSg, ec2.Port.tcp(5432), 'Database port to the database cluster');
  const endpointSg = new ec2.SecurityGroup(stack, 'EndpointSecurityGroup', {
    vpc, allowAllOutbound: false, description: 'Interface VPC endpoints: HTTPS from the functions only',
  });
  endpointSg.addIngressRule(lambdaSg, ec2.Port.tcp(443), 'HTTPS from the Lambda functions');
  const albSg = new ec2.SecurityGroup(stack, 'AlbSecurityGroup', {
    vpc, allowAllOutbound: false, description: 'Public load balancer: HTTPS from anywhere',
  });
  albSg.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS from the internet (the public API)');
  const interfaces = {
    Sqs: ec2.InterfaceVpcEndpointAwsService.SQS,
    Secretsmanager: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
    Rds: ec2.InterfaceVpcEndpointAwsService.RDS,
  };
  for (const [name, service] of Object.entries(interfaces)) {
    vpc.addInterfaceEndpoint(`${name}VpcEndpoint`, {
      service, securityGroups: [endpointSg], open: false, subnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    });
  }
  const subnetGroup = new rds.SubnetGroup(stack, 'DatabaseSubnetGroup', {
    vpc, description: `${APP} ${ENV} database subnets`, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
  });

  const logBucket = new s3.Bucket(stack, 'LogBucket', {
    bucketName: `aws-waf-logs-${APP}-${stack.account}-${region}-${ENV}`,
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    versioned: true,
    enforceSSL: true,
    lifecycleRules: [{
      id: 'expire-logs', expiration: Duration.days(RETENTION_DAYS),
      noncurrentVersionExpiration: Duration.days(7), abortIncompleteMultipartUploadAfter: Duration.days(7),
    }],
    removalPolicy: RemovalPolicy.RETAIN,
  });
  const documentsProps = {
    bucketName: `${APP}-documents-${stack.account}-${region}-${ENV}`,
    encryption: s3.BucketEncryption.KMS,
    encryptionKey: key,
    bucketKeyEnabled: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    versioned: true,
    enforceSSL: true,
    serverAccessLogsBucket: logBucket,
    serverAccessLogsPrefix: 's3/documents/',
    lifecycleRules: [{
      id: 'expire-noncurrent-versions', noncurrentVersionExpiration: Duration.days(90),
      abortIncompleteMultipartUploadAfter: Duration.days(7),
    }],
    removalPolicy: RemovalPolicy.RETAIN,
  };
  if (region === PRIMARY) {
    // Cross-region replication with replication time control to every secondary.
    documentsProps.replicationRules = REGIONS.filter((r) => r !== PRIMARY).map((target, index) => ({
      id: `replicate-to-${target}`,
      priority: index + 1,
      destination: s3.Bucket.fromBucketAttributes(stack, `DocumentsReplica${pascal(target)}`, {
        bucketName: `${APP}-documents-${stack.account}-${target}-${ENV}`, region: target, account: stack.account,
      }),
      kmsKey: kms.Key.fromKeyArn(stack, `ReplicaKey${pascal(target)}`, keyAliasArn(stack, target)),
      sseKmsEncryptedObjects: true,
      replicationTimeControl: s3.ReplicationTimeValue.FIFTEEN_MINUTES,
      metrics: s3.ReplicationTimeValue.FIFTEEN_MINUTES,
      deleteMarkerReplication: true,
      filter: { prefix: '' },
    }));
  } else {
    // The secondary's role exists before a fail-back needs to replicate the other way.
    new iam.Role(stack, 'ReplicationRole', {
      roleName: regional('s3-replication', region), assumedBy: new iam.ServicePrincipal('s3.amazonaws.com'),
    });
  }
  const documents = new s3.Bucket(stack, 'DocumentsBucket', documentsProps);

  const topic = alertTopic(stack, key);
  const vault = new backup.BackupVault(stack, 'BackupVault', {
    backupVaultName: regional('vault', region), encryptionKey: key, removalPolicy: RemovalPolicy.RETAIN,
  });
  return { key, vpc, lambdaSg, databaseSg, albSg, subnetGroup, logBucket, documents, topic, vault };
}

function addDatabase(stack, region, base) {
  const primary = region === PRIMARY;
  const cluster = new rds.DatabaseCluster(stack, 'DatabaseCluster', {
    engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.of('16.8', '16') }),
    clusterIdentifier: clusterId(region),
    defaultDatabaseName: primary ? APP : undefined,
    credentials: rds.Credentials.fromGeneratedSecret('payments_admin', {
      secretName: named('db-credentials'), encryptionKey: base.key,
    }),
    writer: rds.ClusterInstance.serverlessV2('DatabaseInstance1', {
      instanceIdentifier: regional('db-1', region), publiclyAccessible: false,
    }),
    readers: [rds.ClusterInstance.serverlessV2('DatabaseInstance2', {
      instanceIdentifier: regional('db-2', region), publiclyAccessible: false, scaleWithWriter: true,
    })],
    serverlessV2MinCapacity: 0.5,
    serverlessV2MaxCapacity: 16,
    vpc: base.vpc,
    subnetGroup: base.subnetGroup,
    securityGroups: [base.databaseSg],
    port: 5432,
    storageEncrypted: true,
    storageEncryptionKey: base.key,
    backup: { retention: Duration.days(7) },
    copyTagsToSnapshot: true,
    deletionProtection: true,
    iamAuthentication: true,
    cloudwatchLogsExports: ['postgresql'],
    monitoringInterval: Duration.seconds(60),
    removalPolicy: RemovalPolicy.SNAPSHOT,
  });
  const cfnCluster = cluster.node.defaultChild;
  cfnCluster.addPropertyOverride('EnableGlobalWriteForwarding', true);
  if (primary) {
    const global = new rds.CfnGlobalCluster(stack, 'GlobalCluster', {
      globalClusterIdentifier: GLOBAL_CLUSTER_ID, engine: 'aurora-postgresql', engineVersion: '16.8',
      storageEncrypted: true, deletionProtection: true,
    });
    cfnCluster.globalClusterIdentifier = global.ref;
    // Secrets Manager hosted rotation every 30 days, in the private subnets with the Lambda
    // security group, as ours compiles it (the template gets the SecretsManager transform).
    cluster.secret.addRotationSchedule('DatabaseSecretRotation', {
      automaticallyAfter: Duration.days(30),
      hostedRotation: secretsmanager.HostedRotation.postgreSqlSingleUser({
        vpc: base.vpc,
        vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
        securityGroups: [base.lambdaSg],
      }),
    });
  } else {
    // A secondary cluster takes its master credentials from the global database: no secret.
    cfnCluster.globalClusterIdentifier = GLOBAL_CLUSTER_ID;
    cfnCluster.addPropertyDeletionOverride('MasterUsername');
    cfnCluster.addPropertyDeletionOverride('MasterUserPassword');
    cluster.node.tryRemoveChild('Secret');
  }
  return cluster;
}

function addTables(stack, key) {
  const replicaKeyArns = Object.fromEntries(REGIONS.filter((r) => r !== PRIMARY).map((r) => [r, keyAliasArn(stack, r)]));
  return TABLES.map((table) => new dynamodb.TableV2(stack, table.id, {
    tableName: named(table.name),
    partitionKey: { name: table.key, type: dynamodb.AttributeType.STRING },
    billing: dynamodb.Billing.onDemand(),
    encryption: dynamodb.TableEncryptionV2.customerManagedKey(key, replicaKeyArns),
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    deletionProtection: true,
    replicas: REGIONS.filter((r) => r !== PRIMARY).map((r) => ({ region: r })),
    removalPolicy: RemovalPolicy.RETAIN,
  }));
}

function tableArn(stack, region, name) {
  return stack.formatArn({ service: 'dynamodb', region, resource: 'table', resourceName: named(name) });
}

function addFunction(stack, region, base, spec, environment, topic) {
  const failures = new sqs.Queue(stack, `${spec.id}FailureQueue`, {
    queueName: named(`${spec.name}-failures`), encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: base.key,
    retentionPeriod: Duration.days(14), enforceSSL: true,
  });
  const logGroup = new logs.LogGroup(stack, `${spec.id}LogGroup`, {
    logGroupName: `/aws/lambda/${named(spec.name)}`, retention: logs.RetentionDays.ONE_YEAR,
    encryptionKey: base.key, removalPolicy: RemovalPolicy.RETAIN,
  });
  const fn = new lambda.Function(stack, `${spec.id}Function`, {
    functionName: named(spec.name),
    runtime: lambda.Runtime.PYTHON_3_14,
    handler: 'handler.main',
    code: lambda.Code.fromAsset(path.join(FUNCTIONS_DIR, spec.source)),
    memorySize: 256,
    timeout: Duration.seconds(spec.timeout),
    environment,
    environmentEncryption: base.key,
    deadLetterQueue: failures,
    logGroup,
    reservedConcurrentExecutions: spec.reserved,
    ...(spec.vpc ? {
      vpc: base.vpc, securityGroups: [base.lambdaSg], vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    } : {}),
  });
  base.key.grantEncryptDecrypt(fn);
  alarm(stack, `${spec.id}ErrorsAlarm`, {
    alarmName: named(`${spec.name}-errors`),
    metric: fn.metricErrors({ period: Duration.minutes(1), statistic: 'Sum' }),
  }, topic);
  alarm(stack, `${spec.id}FailureQueueAlarm`, {
    alarmName: named(`${spec.name}-failure-queue-depth`), metric: queueDepth(failures),
  }, topic);
  return fn;
}

// What the stack set attaches to a region once the base exists: database, tables (primary),
// queues, functions, the API, backups and the region's alarms.
function addAttach(stack, region, base, primaryDnsName) {
  const primary = region === PRIMARY;
  const topic = base.topic;
  const cluster = addDatabase(stack, region, base);
  const tables = primary ? addTables(stack, base.key) : [];

  const dlq = new sqs.Queue(stack, 'PaymentsDeadLetterQueue', {
    queueName: named('payments-dlq'), encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: base.key,
    retentionPeriod: Duration.days(14),
  });
  const queue = new sqs.Queue(stack, 'PaymentsQueue', {
    queueName: named('payments'), encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: base.key,
    visibilityTimeout: Duration.seconds(180), retentionPeriod: Duration.days(4), enforceSSL: true,
    deadLetterQueue: { queue: dlq, maxReceiveCount: 5 },
  });
  alarm(stack, 'PaymentsDeadLetterQueueAlarm', { alarmName: named('payments-dlq-depth'), metric: queueDepth(dlq) }, topic);

  const common = { APP, ENVIRONMENT: ENV, HEALTH_URL, PRIMARY_REGION: PRIMARY };
  const database = {
    DB_CLUSTER_ARN: cluster.clusterArn, GLOBAL_CLUSTER_ID,
  };
  const byName = Object.fromEntries(FUNCTIONS.map((spec) => [spec.name, spec]));
  const api = addFunction(stack, region, base, byName['payment-api'], {
    ...common, ...database, DB_PORT: '5432',
    DB_READER_ENDPOINT: cluster.clusterReadEndpoint.hostname, DB_WRITER_ENDPOINT: cluster.clusterEndpoint.hostname,
    DB_SECRET_ARN: stack.formatArn({ service: 'secretsmanager', region: PRIMARY, resource: 'secret', resourceName: named('db-credentials'), arnFormat: cdk.ArnFormat.COLON_RESOURCE_NAME }),
    QUEUE_PAYMENTS_URL: queue.queueUrl, TABLE_TRANSACTIONS: named('transactions'),
  }, topic);
  const processor = addFunction(stack, region, base, byName['payment-processor'], {
    ...common, QUEUE_PAYMENTS_URL: queue.queueUrl, TABLE_TRANSACTIONS: named('transactions'),
  }, topic);
  const monitor = addFunction(stack, region, base, byName['health-monitor'], {
    ...common, ...database, METRIC_NAMESPACE,
    PRIMARY_API_ADDRESS: primary ? RECORD : primaryDnsName,
  }, topic);
  const trigger = addFunction(stack, region, base, byName['failover-trigger'], {
    ...common, ...database, ALERT_TOPIC_ARN: topic.topicArn, ALLOW_DATA_LOSS: 'true', FAILOVER_AHEAD: '',
    TABLE_FAILOVER_EVENTS: named('failover-events'),
  }, topic);

  // Access: the grants a CDK user writes, one per line of the spec's `access:` maps.
  const transactions = dynamodb.TableV2.fromTableArn(stack, 'TransactionsRef', tableArn(stack, region, 'transactions'));
  const failoverEvents = dynamodb.TableV2.fromTableArn(stack, 'FailoverEventsRef', tableArn(stack, region, 'failover-events'));
  queue.grantSendMessages(api);
  transactions.grantReadWriteData(api);
  transactions.grantReadWriteData(processor);
  failoverEvents.grantReadWriteData(trigger);
  api.addToRolePolicy(new iam.PolicyStatement({
    actions: ['secretsmanager:GetSecretValue'],
    resources: [stack.formatArn({ service: 'secretsmanager', region: PRIMARY, resource: 'secret', resourceName: `${named('db-credentials')}-??????`, arnFormat: cdk.ArnFormat.COLON_RESOURCE_NAME })],
  }));
  const clusters = REGIONS.map((r) => clusterArn(stack, r));
  for (const fn of [api, monitor, trigger]) {
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['rds:DescribeGlobalClusters'], resources: [globalClusterArn(stack)] }));
  }
  for (const fn of [monitor, trigger]) {
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['rds:DescribeDBClusters'], resources: clusters }));
  }
  trigger.addToRolePolicy(new iam.PolicyStatement({
    actions: ['rds:FailoverGlobalCluster', 'rds:SwitchoverGlobalCluster'], resources: [globalClusterArn(stack), ...clusters],
  }));
  topic.grantPublish(trigger);
  monitor.addToRolePolicy(new iam.PolicyStatement({
    actions: ['cloudwatch:PutMetricData'], resources: ['*'],
    conditions: { StringEquals: { 'cloudwatch:namespace': METRIC_NAMESPACE } },
  }));
  processor.addEventSource(new lambdaSources.SqsEventSource(queue, { batchSize: 10 }));
  new events.Rule(stack, 'HealthMonitorFunctionSchedule', {
    schedule: events.Schedule.expression('rate(1 minute)'), targets: [new eventTargets.LambdaFunction(monitor)],
  });

  // The API: an internet-facing ALB in front of the API function, behind a WAF web ACL.
  const lb = new elbv2.ApplicationLoadBalancer(stack, 'LoadBalancer', {
    loadBalancerName: named('alb'), vpc: base.vpc, internetFacing: true, securityGroup: base.albSg,
    vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC }, dropInvalidHeaderFields: true, deletionProtection: true,
  });
  lb.logAccessLogs(base.logBucket, 'alb');
  const listener = lb.addListener('HttpsListener', {
    port: 443, protocol: elbv2.ApplicationProtocol.HTTPS, open: false,
    certificates: [elbv2.ListenerCertificate.fromArn(CERTIFICATES[region])],
    sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
    defaultAction: elbv2.ListenerAction.fixedResponse(404, { contentType: 'application/json', messageBody: '{"error": "not found"}' }),
  });
  const targetGroup = new elbv2.ApplicationTargetGroup(stack, 'ApiTargetGroup', {
    targetType: elbv2.TargetType.LAMBDA, targets: [new elbTargets.LambdaTarget(api)],
  });
  const routes = [['GET', '/health'], ['POST', '/payments']];
  routes.forEach(([method, route], index) => {
    listener.addTargetGroups(`ApiRoute${index + 1}`, {
      priority: index + 1, targetGroups: [targetGroup],
      conditions: [elbv2.ListenerCondition.httpRequestMethods([method]), elbv2.ListenerCondition.pathPatterns([route])],
    });
  });
  const managed = ['AWSManagedRulesAmazonIpReputationList', 'AWSManagedRulesCommonRuleSet', 'AWSManagedRulesKnownBadInputsRuleSet'];
  const visibility = (metricName) => ({ cloudWatchMetricsEnabled: true, metricName, sampledRequestsEnabled: true });
  const webAcl = new wafv2.CfnWebACL(stack, 'WebAcl', {
    name: regional('api', region), description: `${APP} ${ENV} API in ${region}`, scope: 'REGIONAL',
    defaultAction: { allow: {} }, visibilityConfig: visibility(regional('api', region)),
    rules: [
      {
        name: 'rate-limit-per-ip', priority: 0, action: { block: {} }, visibilityConfig: visibility('RateLimitPerIp'),
        statement: { rateBasedStatement: { aggregateKeyType: 'IP', evaluationWindowSec: 300, limit: 2000 } },
      },
      ...managed.map((name, index) => ({
        name, priority: index + 1, overrideAction: { none: {} }, visibilityConfig: visibility(name),
        statement: { managedRuleGroupStatement: { name, vendorName: 'AWS' } },
      })),
    ],
  });
  new wafv2.CfnWebACLAssociation(stack, 'WebAclAssociation', { resourceArn: lb.loadBalancerArn, webAclArn: webAcl.attrArn });
  new wafv2.CfnLoggingConfiguration(stack, 'WebAclLogging', {
    resourceArn: webAcl.attrArn, logDestinationConfigs: [base.logBucket.bucketArn],
  });

  // Backups: hourly, kept 35 days, copied to every other region's vault.
  const backupRole = new iam.Role(stack, 'BackupRole', {
    roleName: regional('backup', region), assumedBy: new iam.ServicePrincipal('backup.amazonaws.com'),
    managedPolicies: [
      'service-role/AWSBackupServiceRolePolicyForBackup', 'service-role/AWSBackupServiceRolePolicyForRestores',
      'AWSBackupServiceRolePolicyForS3Backup', 'AWSBackupServiceRolePolicyForS3Restore',
    ].map((name) => iam.ManagedPolicy.fromAwsManagedPolicyName(name)),
  });
  const plan = new backup.BackupPlan(stack, 'BackupPlan', {
    backupPlanName: regional('backup', region),
    backupVault: base.vault,
    backupPlanRules: [new backup.BackupPlanRule({
      ruleName: named('scheduled'),
      scheduleExpression: events.Schedule.expression('cron(0 * * * ? *)'),
      startWindow: Duration.minutes(60),
      completionWindow: Duration.hours(8),
      deleteAfter: BACKUP_RETENTION,
      copyActions: REGIONS.filter((r) => r !== region).map((other) => ({
        destinationBackupVault: backup.BackupVault.fromBackupVaultArn(stack, `CopyVault${pascal(other)}`,
          stack.formatArn({ service: 'backup', region: other, resource: 'backup-vault', resourceName: regional('vault', other), arnFormat: cdk.ArnFormat.COLON_RESOURCE_NAME })),
        deleteAfter: BACKUP_RETENTION,
      })),
    })],
  });
  plan.addSelection('BackupSelection', {
    backupSelectionName: named('data-stores'), role: backupRole, allowRestores: false,
    resources: [
      backup.BackupResource.fromRdsDatabaseCluster(cluster),
      ...TABLES.map((table) => backup.BackupResource.fromArn(tableArn(stack, region, table.name))),
      backup.BackupResource.fromArn(base.documents.bucketArn),
      backup.BackupResource.fromArn(base.logBucket.bucketArn),
    ],
  });

  // The region's alarms.
  const healthy = new cloudwatch.Metric({
    namespace: METRIC_NAMESPACE, metricName: 'PrimaryApiHealthy', dimensionsMap: { Region: region },
    period: Duration.minutes(1), statistic: 'Minimum',
  });
  alarm(stack, 'PrimaryApiHealthAlarm', {
    alarmName: named('primary-api-health'), metric: healthy,
    comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD, treatMissingData: cloudwatch.TreatMissingData.BREACHING,
  }, topic);
  const lag = (r) => new cloudwatch.Metric({
    namespace: 'AWS/RDS', metricName: 'AuroraGlobalDBReplicationLag', dimensionsMap: { DBClusterIdentifier: clusterId(r) },
    period: Duration.minutes(1), statistic: 'Maximum', region: r,
  });
  alarm(stack, 'ReplicationLagAlarm', {
    alarmName: regional('db-replication-lag', region), metric: lag(region), threshold: 1000,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD, treatMissingData: cloudwatch.TreatMissingData.MISSING,
  }, topic);
  if (primary) {
    for (const target of REGIONS.filter((r) => r !== PRIMARY)) {
      alarm(stack, `DocumentsReplicationFailures${pascal(target)}Alarm`, {
        alarmName: named(`documents-replication-failures-${target}`),
        metric: new cloudwatch.Metric({
          namespace: 'AWS/S3', metricName: 'OperationsFailedReplication', period: Duration.minutes(1), statistic: 'Sum',
          dimensionsMap: { SourceBucket: base.documents.bucketName, DestinationBucket: `${APP}-documents-${stack.account}-${target}-${ENV}`, RuleId: `replicate-to-${target}` },
        }),
      }, topic);
    }
    addDashboard(stack, lag);
  } else {
    // The secondary's own trigger: the health monitor here cannot reach the primary's API.
    const failoverTopic = failoverDelivery(stack, base.key, topic, trigger);
    alarm(stack, 'FailoverTriggerAlarm', {
      alarmName: regional('failover-trigger', region), metric: healthy, evaluationPeriods: 3, datapointsToAlarm: 2,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD, treatMissingData: cloudwatch.TreatMissingData.MISSING,
    }, topic, [failoverTopic]);
    new lambda.CfnPermission(stack, 'FailoverTriggerFunctionRegionalTopicPermission', {
      action: 'lambda:InvokeFunction', functionName: trigger.functionArn, principal: 'sns.amazonaws.com',
      sourceArn: stack.formatArn({ service: 'sns', region: PRIMARY, resource: named('failover'), arnFormat: cdk.ArnFormat.NO_RESOURCE_NAME }),
    });
  }
  return { lb };
}

// A topic that starts the failover function, with a dead-letter queue for what SNS cannot deliver.
function failoverDelivery(stack, key, alerts, fn) {
  const topic = new sns.Topic(stack, 'FailoverTopic', { topicName: named('failover'), masterKey: key });
  const dlq = new sqs.Queue(stack, 'FailoverTopicDeadLetterQueue', {
    queueName: named('failover-deliveries'), encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: key,
    retentionPeriod: Duration.days(14), enforceSSL: true,
  });
  topic.addSubscription(new subscriptions.LambdaSubscription(fn, { deadLetterQueue: dlq }));
  alarm(stack, 'FailoverDeliveriesAlarm', { alarmName: named('failover-deliveries-dlq-depth'), metric: queueDepth(dlq) }, alerts);
  return topic;
}

function addDashboard(stack, lag) {
  const lambdaErrors = (r) => FUNCTIONS.map((spec) => new cloudwatch.Metric({
    namespace: 'AWS/Lambda', metricName: 'Errors', dimensionsMap: { FunctionName: named(spec.name) },
    label: spec.name, period: Duration.minutes(1), statistic: 'Sum', region: r,
  }));
  const dlqDepth = (r) => [new cloudwatch.Metric({
    namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensionsMap: { QueueName: named('payments-dlq') },
    label: 'payments', period: Duration.minutes(1), statistic: 'Maximum', region: r,
  })];
  const healthAlarms = REGIONS.map((r) => cloudwatch.Alarm.fromAlarmArn(stack, `HealthCheckAlarmRef${pascal(r)}`,
    stack.formatArn({ service: 'cloudwatch', region: PRIMARY, resource: 'alarm', resourceName: named(`health-check-${r}`), arnFormat: cdk.ArnFormat.COLON_RESOURCE_NAME })));
  const dashboard = new cloudwatch.Dashboard(stack, 'DisasterRecoveryDashboard', { dashboardName: named('disaster-recovery') });
  const secondaries = REGIONS.filter((r) => r !== PRIMARY);
  dashboard.addWidgets(
    new cloudwatch.AlarmStatusWidget({ title: `Route53 health checks (${PRIMARY})`, alarms: healthAlarms, width: 12 }),
    ...secondaries.map((r) => new cloudwatch.GraphWidget({
      title: `Aurora replication lag (ms) ${r}`, left: [lag(r)], width: 12, region: r,
      leftAnnotations: [{ label: 'alarm threshold', value: 1000 }],
    })),
  );
  dashboard.addWidgets(...REGIONS.map((r) => new cloudwatch.GraphWidget({ title: `Lambda errors ${r}`, left: lambdaErrors(r), width: 12, region: r })));
  dashboard.addWidgets(...REGIONS.map((r) => new cloudwatch.GraphWidget({ title: `Dead-letter queue depth ${r}`, left: dlqDepth(r), width: 12, region: r })));
  dashboard.addWidgets(...secondaries.map((r) => new cloudwatch.GraphWidget({
    title: `S3 replication latency to ${r}`, width: 12,
    left: [new cloudwatch.Metric({
      namespace: 'AWS/S3', metricName: 'ReplicationLatency', period: Duration.minutes(1), statistic: 'Maximum',
      dimensionsMap: { SourceBucket: `${APP}-documents-${stack.account}-${PRIMARY}-${ENV}`, DestinationBucket: `${APP}-documents-${stack.account}-${r}-${ENV}`, RuleId: `replicate-to-${r}` },
    })],
  })));
}

// DNS failover between the regions' load balancers: the zone, a health check and its alarm per
// region, and the PRIMARY/SECONDARY alias records.
function addGlobal(stack) {
  const key = regionKey(stack, 'global');
  const alerts = alertTopic(stack, key);
  const failoverFn = lambda.Function.fromFunctionArn(stack, 'SecondaryFailoverTrigger',
    stack.formatArn({ service: 'lambda', region: SECONDARY, resource: 'function', resourceName: named('failover-trigger'), arnFormat: cdk.ArnFormat.COLON_RESOURCE_NAME }));
  const failoverTopic = failoverDelivery(stack, key, alerts, failoverFn);
  const zone = new route53.PublicHostedZone(stack, 'HostedZone', { zoneName: ZONE });
  REGIONS.forEach((region) => {
    const suffix = pascal(region);
    const dnsName = new cdk.CfnParameter(stack, `LoadBalancerDnsName${suffix}`, { type: 'String' });
    const hostedZoneId = new cdk.CfnParameter(stack, `LoadBalancerHostedZoneId${suffix}`, { type: 'String' });
    const check = new route53.HealthCheck(stack, `HealthCheck${suffix}`, {
      type: route53.HealthCheckType.HTTPS, fqdn: dnsName.valueAsString, port: 443, resourcePath: '/health',
      requestInterval: Duration.seconds(10), failureThreshold: 3, enableSNI: true,
    });
    alarm(stack, `HealthCheck${suffix}Alarm`, {
      alarmName: named(`health-check-${region}`),
      metric: new cloudwatch.Metric({
        namespace: 'AWS/Route53', metricName: 'HealthCheckStatus', dimensionsMap: { HealthCheckId: check.healthCheckId },
        period: Duration.minutes(1), statistic: 'Minimum',
      }),
      evaluationPeriods: 3, datapointsToAlarm: 2,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD, treatMissingData: cloudwatch.TreatMissingData.MISSING,
    }, alerts, [failoverTopic]);
    const isPrimary = region === PRIMARY;
    new route53.ARecord(stack, `FailoverRecord${isPrimary ? 'Primary' : 'Secondary'}`, {
      zone, recordName: RECORD,
      target: route53.RecordTarget.fromAlias({
        bind: () => ({ dnsName: dnsName.valueAsString, hostedZoneId: hostedZoneId.valueAsString, evaluateTargetHealth: true }),
      }),
      failover: isPrimary ? route53.Failover.PRIMARY : route53.Failover.SECONDARY,
      setIdentifier: `${isPrimary ? 'primary' : 'secondary'}-${region}`,
      healthCheck: check,
    });
  });
}

// Context a CDK project keeps in cdk.json / cdk.context.json, given here so `node app.js` and
// `cdk synth --no-lookups` see the same: the feature flag `cdk init` turns on in new projects
// (access-log delivery by bucket policy, not ACLs, which bucket-owner-enforced ownership
// forbids), and each region's availability zones, which the VPC checks its zones against and
// which would otherwise be a context lookup needing credentials.
const context = { '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true };
for (const region of REGIONS) {
  context[`availability-zones:account=${ACCOUNT}:region=${region}`] = ['a', 'b', 'c'].map((letter) => `${region}${letter}`);
}
const app = new cdk.App({ context });
const stackName = (suffix) => `${APP}-${suffix}-${ENV}`;
const env = (region) => ({ account: ACCOUNT, region });

const primaryStack = new Stack(app, 'PrimaryStack', { stackName: stackName(PRIMARY), env: env(PRIMARY) });
const primaryBase = addBase(primaryStack, PRIMARY);
addAttach(primaryStack, PRIMARY, primaryBase);

const secondaryBaseStack = new Stack(app, 'SecondaryBaseStack', { stackName: stackName(`${SECONDARY}-base`), env: env(SECONDARY) });
const secondaryBase = addBase(secondaryBaseStack, SECONDARY);
const secondaryAttachStack = new Stack(app, 'SecondaryAttachStack', { stackName: stackName(`${SECONDARY}-attach`), env: env(SECONDARY) });
const primaryDnsName = new cdk.CfnParameter(secondaryAttachStack, 'PrimaryLoadBalancerDnsName', { type: 'String' });
addAttach(secondaryAttachStack, SECONDARY, secondaryBase, primaryDnsName.valueAsString);

const globalStack = new Stack(app, 'GlobalStack', { stackName: stackName('global'), env: env(PRIMARY) });
addGlobal(globalStack);

for (const stack of [primaryStack, secondaryBaseStack, secondaryAttachStack, globalStack]) {
  for (const [key, value] of Object.entries(TAGS)) cdk.Tags.of(stack).add(key, value);
}
app.synth();
