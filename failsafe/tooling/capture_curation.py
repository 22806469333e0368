"""The curated tables behind the Cloud Control catalogue (failsafe/tooling/capture_catalog.py).

Everything here is a decision a person made and can defend: which readable properties carry secrets, which
handler permissions a read-only role must not hold, which services are global where botocore's endpoint data is
silent, which CloudFormation types failsafe's classic collectors already capture. Each entry says why; the
generator checks every entry against the schemas, so a schema change that moves a property fails the regeneration
instead of silently dropping a rule.
"""

from __future__ import annotations

import re

_ENV = (
    "environment variables: returned in clear on read and where credentials end up (Lambda Developer Guide, "
    "'Working with Lambda environment variables': do not store sensitive information in them unencrypted)"
)
_CONTAINER_ENV = (
    "container environment variables: plain-text values returned on read (the 'secrets' entries are references "
    "and stay)"
)
_USERDATA = (
    "EC2 user data: readable by anyone who can describe the instance and not encrypted (EC2 User Guide, 'Run "
    "commands when you launch an EC2 instance with user data input': do not store sensitive data in user data)"
)
_SCRIPT = "a base64 shell script run at boot, user data by another name"
_CLIENT_SECRET = "an OAuth/OIDC client secret, returned in clear on read"
_KEY_VALUE = "the value of a key or token, returned in clear on read"
_PASSWORD = "a password, returned in clear on read"
_CONNECTION = "connection properties: a JDBC connection's PASSWORD and USERNAME are plain keys of this map"
_PROVIDER = "identity provider details: an OIDC/SAML/social provider's client_secret is a key of this map"
_PARAMETER = "an SSM parameter's value: failsafe never reads parameter values (docs/capture.md, 'Holds secrets')"

SECRET_PROPERTIES: dict[str, dict[str, str]] = {
    "AWS::Amplify::App": {"/properties/EnvironmentVariables": _ENV},
    "AWS::Amplify::Branch": {"/properties/EnvironmentVariables": _ENV},
    "AWS::ApiGateway::ApiKey": {"/properties/Value": _KEY_VALUE},
    "AWS::AppRunner::Service": {
        "/properties/SourceConfiguration/CodeRepository/CodeConfiguration/CodeConfigurationValues/"
        "RuntimeEnvironmentVariables": _ENV,
        "/properties/SourceConfiguration/ImageRepository/ImageConfiguration/RuntimeEnvironmentVariables": _ENV,
    },
    "AWS::AppSync::ApiKey": {"/properties/ApiKey": _KEY_VALUE},
    "AWS::AppSync::GraphQLApi": {"/properties/EnvironmentVariables": _ENV},
    "AWS::AutoScaling::LaunchConfiguration": {"/properties/UserData": _USERDATA},
    "AWS::Batch::JobDefinition": {
        "/properties/ContainerProperties/Environment": _CONTAINER_ENV,
        "/properties/EcsProperties/TaskProperties/*/Containers/*/Environment": _CONTAINER_ENV,
        "/properties/NodeProperties/NodeRangeProperties/*/Container/Environment": _CONTAINER_ENV,
        "/properties/NodeProperties/NodeRangeProperties/*/EcsProperties/TaskProperties/*/Containers/*/Environment": (
            _CONTAINER_ENV
        ),
    },
    "AWS::Bedrock::KnowledgeBase": {
        "/properties/StorageConfiguration/PineconeConfiguration/ConnectionString": (
            "a vector store endpoint URL (the credentials are a separate secret ARN); kept out as it may embed them"
        ),
    },
    "AWS::BedrockAgentCore::Harness": {"/properties/EnvironmentVariables": _ENV},
    "AWS::BedrockAgentCore::Runtime": {"/properties/EnvironmentVariables": _ENV},
    "AWS::CodePipeline::Pipeline": {"/properties/Stages/*/Actions/*/EnvironmentVariables": _ENV},
    "AWS::Cognito::UserPoolClient": {"/properties/ClientSecret": _CLIENT_SECRET},
    "AWS::Cognito::UserPoolIdentityProvider": {"/properties/ProviderDetails": _PROVIDER},
    "AWS::DeviceFarm::Project": {"/properties/EnvironmentVariables": _ENV},
    "AWS::DirectConnect::PrivateVirtualInterface": {"/properties/BgpPeers/*/AuthKey": "the BGP MD5 authentication key"},
    "AWS::DirectConnect::PublicVirtualInterface": {"/properties/BgpPeers/*/AuthKey": "the BGP MD5 authentication key"},
    "AWS::DirectConnect::TransitVirtualInterface": {"/properties/BgpPeers/*/AuthKey": "the BGP MD5 authentication key"},
    "AWS::EC2::Instance": {"/properties/UserData": _USERDATA},
    "AWS::EC2::SpotFleet": {"/properties/SpotFleetRequestConfigData/LaunchSpecifications/*/UserData": _USERDATA},
    "AWS::EC2::VerifiedAccessTrustProvider": {"/properties/OidcOptions/ClientSecret": _CLIENT_SECRET},
    "AWS::ECS::DaemonTaskDefinition": {"/properties/ContainerDefinitions/*/Environment": _CONTAINER_ENV},
    "AWS::ECS::TaskDefinition": {"/properties/ContainerDefinitions/*/Environment": _CONTAINER_ENV},
    "AWS::Glue::Connection": {"/properties/ConnectionInput/ConnectionProperties": _CONNECTION},
    "AWS::IoTSiteWise::Pipeline": {
        "/properties/EnvironmentVariables": _ENV,
        "/properties/Computations/*/EnvironmentVariables": _ENV,
    },
    "AWS::IoTSiteWise::Task": {
        "/properties/TaskConfiguration/ContainerTaskConfiguration/EnvironmentVariables": _ENV,
    },
    "AWS::IVS::StreamKey": {"/properties/Value": "the stream key, which lets anyone broadcast to the channel"},
    "AWS::Lambda::Function": {"/properties/Environment": _ENV},
    "AWS::Lambda::WebFunctionRevision": {"/properties/ServiceConfig/EnvironmentVariables": _ENV},
    "AWS::Lightsail::Container": {"/properties/ContainerServiceDeployment/Containers/*/Environment": _CONTAINER_ENV},
    "AWS::MediaPackage::Channel": {"/properties/HlsIngest/ingestEndpoints/*/Password": _PASSWORD},
    "AWS::Route53GlobalResolver::AccessToken": {"/properties/Value": _KEY_VALUE},
    "AWS::SSM::Parameter": {"/properties/Value": _PARAMETER},
    "AWS::SageMaker::Algorithm": {"/properties/InferenceSpecification/Containers/*/Environment": _CONTAINER_ENV},
    "AWS::SageMaker::DataQualityJobDefinition": {"/properties/DataQualityAppSpecification/Environment": _CONTAINER_ENV},
    "AWS::SageMaker::InferenceComponent": {
        "/properties/Specification/Container/Environment": _CONTAINER_ENV,
        "/properties/Specifications/*/Container/Environment": _CONTAINER_ENV,
    },
    "AWS::SageMaker::Model": {
        "/properties/Containers/*/Environment": _CONTAINER_ENV,
        "/properties/PrimaryContainer/Environment": _CONTAINER_ENV,
    },
    "AWS::SageMaker::ModelBiasJobDefinition": {"/properties/ModelBiasAppSpecification/Environment": _CONTAINER_ENV},
    "AWS::SageMaker::ModelExplainabilityJobDefinition": {
        "/properties/ModelExplainabilityAppSpecification/Environment": _CONTAINER_ENV
    },
    "AWS::SageMaker::ModelPackage": {
        "/properties/AdditionalInferenceSpecifications/*/Containers/*/Environment": _CONTAINER_ENV,
        "/properties/InferenceSpecification/Containers/*/Environment": _CONTAINER_ENV,
        "/properties/ValidationSpecification/ValidationProfiles/*/TransformJobDefinition/Environment": _CONTAINER_ENV,
    },
    "AWS::SageMaker::ModelQualityJobDefinition": {
        "/properties/ModelQualityAppSpecification/Environment": _CONTAINER_ENV
    },
    "AWS::SageMaker::MonitoringSchedule": {
        "/properties/MonitoringScheduleConfig/MonitoringJobDefinition/Environment": _CONTAINER_ENV
    },
    "AWS::SageMaker::NotebookInstanceLifecycleConfig": {
        "/properties/OnCreate": _SCRIPT,
        "/properties/OnStart": _SCRIPT,
    },
    "AWS::SageMaker::ProcessingJob": {"/properties/Environment": _CONTAINER_ENV},
}

# Property names that look like secrets. Every readable property of a listable type whose name matches must be in
# SECRET_PROPERTIES or here (with why it is not a secret), so a schema update adding a readable `ClientSecret`
# fails the regeneration until somebody decides.
SECRET_NAME = re.compile(
    r"^(.*Password.*|.*Passphrase.*|Secret|SecretString|SecretValue|.*ClientSecret|.*PrivateKey|Token|AuthToken|"
    r"AccessToken|RefreshToken|.*ApiKey|AuthKey|Credentials|UserData|Environment|EnvironmentVariables|Variables|"
    r"RuntimeEnvironmentVariables|RuntimeEnvironmentSecrets|ConnectionString|ConnectionProperties|SharedSecret|"
    r"PreSharedKey|.*SecretKey|Secrets|ProviderDetails|OnCreate|OnStart|Value)$"
)
_REF = "a reference (ARN, name or ID of a secret or parameter), not the secret"
_FLAG = "a setting or enum about a secret, not the secret"
NOT_SECRET: dict[str, str] = {
    "AWS::AppRunner::Service /properties/SourceConfiguration/CodeRepository/CodeConfiguration/"
    "CodeConfigurationValues/RuntimeEnvironmentSecrets": _REF,
    "AWS::AppRunner::Service /properties/SourceConfiguration/ImageRepository/ImageConfiguration/"
    "RuntimeEnvironmentSecrets": _REF,
    "AWS::ApiGateway::Stage /properties/Variables": (
        "stage variables, which API Gateway says are not for sensitive data such as credentials (API Gateway "
        "Developer Guide, 'Use stage variables for a REST API in API Gateway')"
    ),
    "AWS::ApplicationSignals::InstrumentationConfig /properties/Environment": "the deployment environment's name",
    "AWS::Batch::JobDefinition /properties/ContainerProperties/Secrets": _REF,
    "AWS::Batch::JobDefinition /properties/EcsProperties/TaskProperties/*/Containers/*/Secrets": _REF,
    "AWS::Batch::JobDefinition /properties/EksProperties/PodProperties/Volumes/*/Secret": "a Kubernetes secret's name",
    "AWS::Batch::JobDefinition /properties/NodeProperties/NodeRangeProperties/*/Container/Secrets": _REF,
    "AWS::Batch::JobDefinition /properties/NodeProperties/NodeRangeProperties/*/EcsProperties/TaskProperties/*/"
    "Containers/*/Secrets": _REF,
    "AWS::Batch::JobDefinition /properties/NodeProperties/NodeRangeProperties/*/EksProperties/PodProperties/"
    "Volumes/*/Secret": "a Kubernetes secret's name",
    "AWS::Bedrock::KnowledgeBase /properties/KnowledgeBaseConfiguration/SqlKnowledgeBaseConfiguration/"
    "RedshiftConfiguration/QueryEngineConfiguration/ProvisionedConfiguration/AuthConfiguration/"
    "UsernamePasswordSecretArn": _REF,
    "AWS::Bedrock::KnowledgeBase /properties/KnowledgeBaseConfiguration/SqlKnowledgeBaseConfiguration/"
    "RedshiftConfiguration/QueryEngineConfiguration/ServerlessConfiguration/AuthConfiguration/"
    "UsernamePasswordSecretArn": _REF,
    "AWS::BedrockAgentCore::Harness /properties/Environment": "the harness's runtime environment settings",
    "AWS::Chatbot::CustomAction /properties/Attachments/*/Variables": "template variables of a chat button",
    "AWS::CodePipeline::CustomActionType /properties/ConfigurationProperties/*/Secret": _FLAG,
    "AWS::CodePipeline::Pipeline /properties/Variables": (
        "pipeline variable defaults; values limited to [A-Za-z0-9@-_]+ by the schema"
    ),
    "AWS::Cognito::UserPool /properties/Policies/PasswordPolicy": _FLAG,
    "AWS::Cognito::UserPool /properties/Policies/PasswordPolicy/PasswordHistorySize": _FLAG,
    "AWS::Cognito::UserPool /properties/Policies/PasswordPolicy/TemporaryPasswordValidityDays": _FLAG,
    "AWS::Cognito::UserPoolClient /properties/TokenValidityUnits/AccessToken": _FLAG,
    "AWS::Cognito::UserPoolClient /properties/TokenValidityUnits/RefreshToken": _FLAG,
    "AWS::DMS::DataProvider /properties/Settings/SybaseAseSettings/EncryptPassword": _FLAG,
    "AWS::Deadline::Queue /properties/JobRunAsUser/Windows/PasswordArn": _REF,
    "AWS::ECS::DaemonTaskDefinition /properties/ContainerDefinitions/*/Secrets": _REF,
    "AWS::ECS::TaskDefinition /properties/ContainerDefinitions/*/Secrets": _REF,
    "AWS::EVS::Environment /properties/Credentials": "a list of Secrets Manager ARNs",
    "AWS::ElasticLoadBalancingV2::Listener /properties/DefaultActions/*/AuthenticateOidcConfig/"
    "UseExistingClientSecret": _FLAG,
    "AWS::ElasticLoadBalancingV2::ListenerRule /properties/Actions/*/AuthenticateOidcConfig/"
    "UseExistingClientSecret": _FLAG,
    "AWS::Glue::SchemaVersionMetadata /properties/Value": "a schema version's metadata value",
    "AWS::IAM::User /properties/LoginProfile/PasswordResetRequired": _FLAG,
    "AWS::IoT::TopicRuleDestination /properties/InfluxDBProperties/SecretKey": "the key name inside a secret",
    "AWS::IoTAnalytics::Dataset /properties/Actions/*/ContainerAction/Variables": "dataset content references",
    **{
        f"AWS::IoTSiteWise::AssetModel /properties/{path}/Type/{kind}/Variables": "the variables of a metric formula"
        for path in ("AssetModelCompositeModels/*/CompositeModelProperties/*", "AssetModelProperties/*")
        for kind in ("Metric", "Transform")
    },
    "AWS::Kendra::DataSource /properties/DataSourceConfiguration/WebCrawlerConfiguration/AuthenticationConfiguration/"
    "BasicAuthentication/*/Credentials": _REF,
    "AWS::Kendra::DataSource /properties/DataSourceConfiguration/WebCrawlerConfiguration/ProxyConfiguration/"
    "Credentials": _REF,
    "AWS::MediaLive::Input /properties/Sources/*/PasswordParam": _REF,
    "AWS::MediaLive::Input /properties/SrtSettings/SrtCallerSources/*/Decryption/PassphraseSecretArn": _REF,
    "AWS::MediaLive::Input /properties/SrtSettings/SrtListenerSettings/Decryption/PassphraseSecretArn": _REF,
    "AWS::PCS::Cluster /properties/SlurmConfiguration/AuthKey": "the Secrets Manager ARN and version of the key",
    "AWS::QuickSight::DLPSetting /properties/ProviderConfig/MicrosoftPurview/Credentials": _REF,
    "AWS::RDS::DBCluster /properties/ManageMasterUserPassword": _FLAG,
    "AWS::RDS::DBInstance /properties/ManageMasterUserPassword": _FLAG,
    "AWS::RDS::DBProxy /properties/Auth/*/ClientPasswordAuthType": _FLAG,
    "AWS::Redshift::Cluster /properties/MasterPasswordSecretArn": _REF,
    "AWS::Redshift::Cluster /properties/MasterPasswordSecretKmsKeyId": _REF,
    "AWS::RedshiftServerless::Namespace /properties/AdminPasswordSecretKmsKeyId": _REF,
    "AWS::RedshiftServerless::Namespace /properties/Namespace/AdminPasswordSecretArn": _REF,
    "AWS::RedshiftServerless::Namespace /properties/Namespace/AdminPasswordSecretKmsKeyId": _REF,
    "AWS::RoboMaker::RobotApplication /properties/Environment": "the application's container image URI",
    "AWS::RoboMaker::SimulationApplication /properties/Environment": "the application's container image URI",
    "AWS::SageMaker::Cluster /properties/InstanceGroups/*/LifeCycleConfig/OnCreate": (
        "the file name of a lifecycle script in S3, not the script"
    ),
    "AWS::SecurityAgent::TargetDomain /properties/VerificationDetails/DnsTxt/Token": (
        "a domain-ownership token that is published in DNS"
    ),
    "AWS::SecurityAgent::TargetDomain /properties/VerificationDetails/HttpRoute/Token": (
        "a domain-ownership token that is published over HTTP"
    ),
    **{
        "AWS::WAFv2::WebACL /properties/Rules/*/Statement/ManagedRuleGroupStatement/ManagedRuleGroupConfigs/*/"
        + path: "the name of a login form's password field"
        for path in (
            "PasswordField",
            "AWSManagedRulesACFPRuleSet/RequestInspection/PasswordField",
            "AWSManagedRulesATPRuleSet/RequestInspection/PasswordField",
        )
    },
    "AWS::ServiceCatalog::TagOption /properties/Value": "a tag option's value",
    "AWS::WellArchitected::Workload /properties/Environment": "PRODUCTION or PREPRODUCTION",
    "AWS::WorkSpaces::ConnectionAlias /properties/ConnectionString": "the alias's fully qualified domain name",
}

# Actions a list/read handler names that the captured accounts' read-only role must not hold: they read secrets or
# data, not configuration (issue 26 items 2 and 5). Matched case-insensitively, as IAM matches actions.
_DATA = "reads data, not configuration"
EXCLUDED_ACTIONS: dict[str, str] = {
    "secretsmanager:GetSecretValue": "returns a secret's value",
    "secretsmanager:BatchGetSecretValue": "returns secrets' values",
    "kms:Decrypt": "decrypts any ciphertext the role can fetch (Write in the Service Authorization Reference)",
    "s3:GetObject": "returns object contents: " + _DATA,
    "s3:GetObjectVersion": "returns object contents: " + _DATA,
    "s3:ListBucket": "lists a bucket's object keys: " + _DATA,
    "s3:ListObjects": "lists a bucket's object keys (not an IAM action; s3:ListBucket grants it): " + _DATA,
    "s3:DoesObjectExist": "probes for objects (not an IAM action): " + _DATA,
    "ssm:GetParameter": "returns a parameter's value, decrypted with WithDecryption",
    "ssm:GetParameters": "returns parameters' values, decrypted with WithDecryption",
    "dynamodb:GetItem": "returns table items: " + _DATA,
    "dynamodb:BatchGetItem": "returns table items: " + _DATA,
    "dynamodb:Query": "returns table items: " + _DATA,
    "cassandra:Select": "runs CQL SELECT, which reads table rows: " + _DATA,
    "cassandra:SelectMultiRegionResource": "runs CQL SELECT on multi-Region tables: " + _DATA,
    "lakeformation:GetDataAccess": "vends temporary credentials to a table's data",
    "sts:GetWebIdentityToken": "issues a token (credentials)",
    "sts:TagGetWebIdentityToken": "issues a token (credentials)",
    "wisdom:GetContent": "returns a URL that downloads the content's body: " + _DATA,
    "route53globalresolver:GetAccessToken": (
        "named for returning an access token; not in the Service Authorization Reference data, so not granted"
    ),
}
# apigateway:GET is one action for every API Gateway read, including GetApiKey with includeValue=true: the key
# values are kept from the role by resource instead (API Gateway Developer Guide, "Control access to a REST API
# with IAM permissions", resource ARN format arn:aws:apigateway:region::/apikeys/id).
RESOURCE_DENIES: tuple[tuple[str, str, str], ...] = (
    ("apigateway:GET", "arn:aws:apigateway:*::/apikeys/*", "API keys' values (GetApiKey with includeValue)"),
)
READ_VERBS = ("List", "Describe", "Get", "BatchGet", "Search")
WILDCARD_VERBS = ("List", "Describe")  # never Get*: s3:Get* includes GetObject, ssm:Get* GetParameter

# Global services the botocore endpoint data does not mark (AWS whitepaper "AWS Fault Isolation Boundaries",
# section "Global services": https://docs.aws.amazon.com/whitepapers/latest/aws-fault-isolation-boundaries/
# global-services.html and its Appendix B for Global Accelerator).
WHITEPAPER_GLOBAL: dict[str, str] = {
    "globalaccelerator": "us-west-2",
    "route53-recovery-control-config": "us-west-2",
}
# IAM prefixes with no API endpoint, which say nothing about a type's scope.
IGNORED_PREFIXES: dict[str, str] = {
    "billing": "the Billing console's IAM namespace (Budgets' list handler asks for billing:ViewBilling)",
}
# IAM prefixes that name a global API and regional ones alike: a type listed through them is treated as regional.
AMBIGUOUS_PREFIXES: dict[str, str] = {
    "chime": (
        "both the global Amazon Chime API (botocore endpoint chime, aws-global) and the regional Chime SDK "
        "(identity-chime, messaging-chime, voice-chime, media-pipelines-chime endpoints) sign as chime"
    ),
}
# A listing that returns the whole account's resources from any region although the service is regional.
ACCOUNT_WIDE_LIST: dict[str, str] = {
    "AWS::S3::Bucket": (
        "Cloud Control's list handler returns the buckets of every region, GetResource only those of the client's "
        "region (aws/aws-toolkit-vscode pull request 2193, aws/aws-toolkit-jetbrains pull request 2896)"
    ),
}

# The resource types failsafe.ops.capture's classic pulumi-aws collectors capture (T_* in failsafe/ops/capture.py),
# with the CloudFormation type each one is (or is a part of). The generic path skips these types.
CLASSIC_TYPES: tuple[tuple[str, str, str], ...] = (
    ("aws:s3/bucket:Bucket", "AWS::S3::Bucket", "the bucket"),
    ("aws:s3/bucketPolicy:BucketPolicy", "AWS::S3::BucketPolicy", "the bucket policy"),
    ("aws:s3/bucketVersioning:BucketVersioning", "AWS::S3::Bucket", "property VersioningConfiguration"),
    (
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        "AWS::S3::Bucket",
        "property LifecycleConfiguration",
    ),
    (
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "AWS::S3::Bucket",
        "property BucketEncryption",
    ),
    ("aws:iam/role:Role", "AWS::IAM::Role", "the role"),
    ("aws:iam/rolePolicy:RolePolicy", "AWS::IAM::RolePolicy", "an inline policy of a role"),
    ("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "AWS::IAM::Role", "property ManagedPolicyArns"),
    ("aws:iam/policy:Policy", "AWS::IAM::ManagedPolicy", "a customer-managed policy"),
    ("aws:lambda/function:Function", "AWS::Lambda::Function", "the function"),
    ("aws:kms/key:Key", "AWS::KMS::Key", "the key"),
    ("aws:kms/alias:Alias", "AWS::KMS::Alias", "the alias"),
    ("aws:sns/topic:Topic", "AWS::SNS::Topic", "the topic"),
    ("aws:sqs/queue:Queue", "AWS::SQS::Queue", "the queue"),
    ("aws:dynamodb/table:Table", "AWS::DynamoDB::Table", "the table"),
    ("aws:rds/instance:Instance", "AWS::RDS::DBInstance", "a DB instance outside a cluster"),
    ("aws:rds/clusterInstance:ClusterInstance", "AWS::RDS::DBInstance", "a DB instance in a cluster"),
    ("aws:rds/cluster:Cluster", "AWS::RDS::DBCluster", "the cluster"),
    ("aws:ec2/securityGroup:SecurityGroup", "AWS::EC2::SecurityGroup", "the group with its rules inline"),
    ("aws:route53/zone:Zone", "AWS::Route53::HostedZone", "the hosted zone"),
    ("aws:route53/record:Record", "AWS::Route53::RecordSet", "a record set"),
    ("aws:ssm/parameter:Parameter", "AWS::SSM::Parameter", "the parameter, without its value"),
)
# Other CloudFormation types whose resources a classic collector already captures inside one of its own: listing
# them through Cloud Control too would import the same AWS object twice.
CLASSIC_OVERLAPS: dict[str, tuple[str, str]] = {
    "AWS::EC2::SecurityGroupIngress": (
        "aws:ec2/securityGroup:SecurityGroup",
        "the classic import holds each group's ingress rules inline",
    ),
    "AWS::EC2::SecurityGroupEgress": (
        "aws:ec2/securityGroup:SecurityGroup",
        "the classic import holds each group's egress rules inline",
    ),
    "AWS::KMS::ReplicaKey": ("aws:kms/key:Key", "ListKeys in the replica's region returns replica keys as keys"),
    "AWS::DynamoDB::GlobalTable": (
        "aws:dynamodb/table:Table",
        "a global table's replica in a captured region is a table ListTables returns",
    ),
    "AWS::SQS::QueuePolicy": ("aws:sqs/queue:Queue", "the queue's Policy attribute is captured with the queue"),
    "AWS::SQS::QueueInlinePolicy": ("aws:sqs/queue:Queue", "the queue's Policy attribute is captured with the queue"),
    "AWS::SNS::TopicPolicy": ("aws:sns/topic:Topic", "the topic's Policy attribute is captured with the topic"),
    "AWS::SNS::TopicInlinePolicy": ("aws:sns/topic:Topic", "the topic's Policy attribute is captured with the topic"),
}
# aws-native tokens that are not CloudFormation types (the provider's own resources).
NOT_CFN_TOKENS = frozenset({"aws-native:index:ExtensionResource", "aws-native:cloudformation:CustomResourceEmulator"})
