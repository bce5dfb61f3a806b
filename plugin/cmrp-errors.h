/* cmrp-errors.h - Win32 error names for ClusAPI (MS-CMRP) return values.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef CMRP_ERRORS_H
#define CMRP_ERRORS_H

#include <stdint.h>
#include "cmrp-compat.h"

/* Win32 errors a ClusAPI server returns: the system errors below 2000 (ERROR_*, RPC_S_*, RPC_X_*,
 * EPT_S_*, WAIT_TIMEOUT) and every cluster error 5000..5999 of winerror.h. Sorted by value; use it
 * in an hf's strings with BASE_EXT_STRING ("VALS_EXT_PTR(&cmrp_error_vals_ext)"). */
extern value_string_ext cmrp_error_vals_ext;

/* The winerror.h name of `code`, or NULL if the table does not know it. */
const char *cmrp_error_name(uint32_t code);

#endif
