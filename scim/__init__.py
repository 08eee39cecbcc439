"""SCIM 2.0 provisioning (RFC 7643/7644): merchants' identity providers manage staff and departments (R-37)."""
