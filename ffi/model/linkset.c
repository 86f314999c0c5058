/*
 * linkset.c: the module linked into the unit tests, found as kobj finds it.
 * Not part of linuxrun, which finds the modinfo in the file it loads.
 */

#include "model.h"

/* The module, as kobj finds it. */

extern modinfo_t *const __start_link_set_modules[];
extern modinfo_t *const __stop_link_set_modules[];

const modinfo_t *
model_modinfo(void)
{

	return __stop_link_set_modules - __start_link_set_modules == 1 ?
	    __start_link_set_modules[0] : NULL;
}

int
model_modcmd(modcmd_t cmd, void *arg)
{

	return model_modinfo()->mi_modcmd(cmd, arg);
}
