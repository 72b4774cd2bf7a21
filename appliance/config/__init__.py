"""Configuration: one TOML file read into frozen dataclasses, each key declared once.

Each section is a dataclass; a field's default, type and limits (:func:`setting`) are the only
place they are written: the loader (:func:`load`) reads every table by walking those
declarations, and ``appliance config example`` prints ``config_example.toml``, which a test
holds to the same defaults. Every problem is reported with the file and the dotted key it
concerns, all of them at once (``appliance config check`` prints each on its own line). Unknown
keys are problems too. A relative path is relative to the directory of the file that names it.
With no file at all, :func:`embedded_default` gives the out-of-the-box configuration: the
default model on both tiers, loopback only.

A small walker over dataclass fields rather than pydantic (which spaCy already brings): the
rest of the code keeps plain frozen dataclasses (``dataclasses.replace`` everywhere, no model
API), the messages stay the ones operators and tests know ("must be between 1 and 1000000,
got 0"), and the CLI's audit and token commands do not import a validation framework.
"""

from appliance.config.reader import (
    EXAMPLE,
    ConfigErrors,
    check_files,
    load,
    metrics_listen_problem,
    with_http_listen,
    with_listen,
    with_metrics_listen,
)
from appliance.config.schema import (
    DEFAULT_LISTEN,
    DEFAULT_MODEL_CHAT_TEMPLATE,
    DEFAULT_PII_ENTITIES,
    DEFAULT_TASK_TYPES,
    GDPR_PII_ENTITIES,
    KNOWN_PII_ENTITIES,
    REASONING_FORMATS,
    RESPONSE_FORMAT_STYLES,
    ROLES,
    STRICT_OUTPUT_SCAN_ENTITIES,
    STRICT_PII_ENTITIES,
    TIERS,
    AuditConfig,
    AuthConfig,
    BatchConfig,
    CacheConfig,
    CanaryConfig,
    Config,
    EmbedConfig,
    EndpointConfig,
    EscalationConfig,
    FallbackConfig,
    HttpConfig,
    LimitsConfig,
    LoggingConfig,
    MetricsConfig,
    ModelConfig,
    PiiConfig,
    Policy,
    ReserveConfig,
    RoutingConfig,
    ServerConfig,
    SiteRecognizerConfig,
    SplitWindow,
    StateConfig,
    default_model,
    default_state_dir,
    embedded_default,
    setting,
)

__all__ = [
    "DEFAULT_LISTEN", "DEFAULT_MODEL_CHAT_TEMPLATE", "DEFAULT_PII_ENTITIES", "DEFAULT_TASK_TYPES",
    "EXAMPLE", "GDPR_PII_ENTITIES", "KNOWN_PII_ENTITIES", "REASONING_FORMATS",
    "RESPONSE_FORMAT_STYLES", "ROLES", "STRICT_OUTPUT_SCAN_ENTITIES", "STRICT_PII_ENTITIES",
    "TIERS", "AuditConfig", "AuthConfig", "BatchConfig", "CacheConfig",
    "CanaryConfig", "Config", "ConfigErrors", "EmbedConfig",
    "EndpointConfig",
    "EscalationConfig",
    "FallbackConfig", "HttpConfig", "LimitsConfig", "LoggingConfig", "MetricsConfig", "ModelConfig",
    "PiiConfig", "Policy", "ReserveConfig", "RoutingConfig", "ServerConfig",
    "SiteRecognizerConfig", "SplitWindow", "StateConfig", "check_files",
    "default_model",
    "default_state_dir", "embedded_default", "load", "metrics_listen_problem", "setting",
    "with_http_listen", "with_listen", "with_metrics_listen",
]
