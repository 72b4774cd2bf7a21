"""PII masking: the stage of the request path that keeps unmasked PII away from every model."""
