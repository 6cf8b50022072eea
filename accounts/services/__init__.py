"""Writes to accounts, split by subject: users, MFA, API keys."""

from .api_keys import (
    api_key_create,
    api_key_revoke,
    api_token_create,
    can_have_api_keys,
    token_sign_in_allowed,
)
from .mfa import (
    BACKUP_CODE_COUNT,
    MFAError,
    mfa_backup_codes_left,
    mfa_backup_codes_regenerate,
    mfa_confirm,
    mfa_device_pending,
    mfa_disable,
    mfa_has_device,
    mfa_required,
    mfa_verify,
    second_factor_passed,
    session_owes_second_factor,
)
from .mfa_enrolment import (
    EnrolmentCodeError,
    mfa_enrolment_code_check,
    mfa_enrolment_code_send,
)
from .users import (
    EmailTaken,
    customer_create,
    customer_get_or_create,
    user_confirm_email,
    user_create_by_admin,
    user_logout_other_sessions,
    user_update_by_admin,
    user_update_profile,
)

__all__ = [
    "BACKUP_CODE_COUNT",
    "EmailTaken",
    "EnrolmentCodeError",
    "MFAError",
    "api_key_create",
    "api_key_revoke",
    "api_token_create",
    "can_have_api_keys",
    "customer_create",
    "customer_get_or_create",
    "mfa_backup_codes_left",
    "mfa_backup_codes_regenerate",
    "mfa_confirm",
    "mfa_device_pending",
    "mfa_disable",
    "mfa_enrolment_code_check",
    "mfa_enrolment_code_send",
    "mfa_has_device",
    "mfa_required",
    "mfa_verify",
    "second_factor_passed",
    "session_owes_second_factor",
    "token_sign_in_allowed",
    "user_confirm_email",
    "user_create_by_admin",
    "user_logout_other_sessions",
    "user_update_by_admin",
    "user_update_profile",
]
