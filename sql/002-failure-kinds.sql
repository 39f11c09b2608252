-- 002-failure-kinds.sql: every request in exactly one place (issue 10, section 4).
--
-- The model: a request either got a complete response, which has a status class (status_1xx ..
-- status_5xx, or status_other for a code outside 100-599, such as 999) and, if its status fails it
-- (outside 200-399), the failure kind http_status; or it got no complete response (refused, timeout,
-- reset, DNS, TLS, too large, blocked by the allowlist, other), which is counted under that kind and
-- has no status class, even when a "200 OK" came before the body was cut. So, on every samples row:
--   requests = fail_refused + fail_timeout + fail_reset + fail_dns + fail_tls + fail_too_large
--            + fail_blocked + fail_other
--            + status_1xx + status_2xx + status_3xx + status_4xx + status_5xx + status_other
-- and failures = (the transport kinds) + fail_http_status + (failRequest checks on responses that
-- were otherwise fine). Rows written before this version have the new columns at 0 (a 1xx final or
-- a code outside 100-599 was then in no class; a cut 200 was both a 2xx and a reset).
ALTER TABLE samples ADD COLUMN fail_http_status INTEGER NOT NULL DEFAULT 0;  -- a response arrived and its status (outside 200-399) failed the request
ALTER TABLE samples ADD COLUMN fail_too_large   INTEGER NOT NULL DEFAULT 0;  -- response headers over libcurl's limit (300 KiB in all, 100 KiB a line)
ALTER TABLE samples ADD COLUMN fail_blocked     INTEGER NOT NULL DEFAULT 0;  -- the connect guard refused the address (security.allow_targets), e.g. a redirect
ALTER TABLE samples ADD COLUMN status_1xx       INTEGER NOT NULL DEFAULT 0;  -- a final 1xx response
ALTER TABLE samples ADD COLUMN status_other     INTEGER NOT NULL DEFAULT 0;  -- a status outside 100-599 (999, ...)
