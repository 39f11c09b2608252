/*
 * run_plan: see run_plan.h. testdef's hooks take a void *; these two adapters give it the policy.
 */
#include <config.h>

#include "runs/run_plan.h"
#include "security/security.h"
#include "testdef/testdef.h"

/* testdef_options.check_target: the allowlist. */
static int
check_target(void *arg, const char *origin, char **why)
{
	return security_check_target(arg, origin, why);
}

/* testdef_options.env: only the variables env_allow lists. */
static const char *
env(void *arg, const char *name)
{
	return security_env(arg, name);
}

struct plan *
run_plan_new(const struct security *sec, json_t *def, struct testdef_errors *errs)
{
	const struct security_caps *caps = security_caps(sec);
	struct testdef_options opt = {
		.max_vus = caps->max_vus,
		.max_rate = caps->max_rate,
		.max_duration_ns = caps->max_duration_ns,
		.limits_name = "limits",
		.check_target = check_target,
		.env = env,
		.arg = (void *)sec,
	};

	return testdef_parse(def, &opt, errs);
}
