/* cmrp-compat.h — every difference between the Wireshark versions cmrp builds against.
 *
 * The plugin is written against the newest API (Wireshark 4.6). This header maps that API down
 * to older releases, keyed on WIRESHARK_VERSION_MAJOR/MINOR; no other file tests a version.
 * Dropping a release later means deleting its block here. Supported: 4.0, 4.4, 4.6 (tested by
 * tests/versions); CMake refuses anything older than 4.0.
 *
 * Include it instead of <epan/value_string.h> / <wsutil/value_string.h> and <epan/tfs.h>.
 */
#ifndef CMRP_COMPAT_H
#define CMRP_COMPAT_H

#include <ws_version.h>
#include <epan/packet.h>

#define CMRP_WS_AT_LEAST(maj, min) \
    (WIRESHARK_VERSION_MAJOR > (maj) || \
     (WIRESHARK_VERSION_MAJOR == (maj) && WIRESHARK_VERSION_MINOR >= (min)))

#if !CMRP_WS_AT_LEAST(4, 0)
#error "cmrp needs Wireshark 4.0 or newer"
#endif

/* ---- value_string / true_false_string: moved to wsutil/ in 4.6 ---- */
#if CMRP_WS_AT_LEAST(4, 6)
#include <wsutil/value_string.h>
#else
#include <epan/value_string.h>
#endif
#include <epan/tfs.h>

/* ---- val_to_str(): 4.6 takes the wmem scope as first argument ---- */
#if !CMRP_WS_AT_LEAST(4, 6)
#define val_to_str(scope, val, vs, fmt)          val_to_str_wmem((scope), (val), (vs), (fmt))
#define val_to_str_ext(scope, val, vse, fmt)     val_to_str_ext_wmem((scope), (val), (vse), (fmt))
#endif

/* ---- fixed-width tvb getters: tvb_get_uintN since 4.2 (4.4 deprecates tvb_get_guintN) ---- */
#if !CMRP_WS_AT_LEAST(4, 2)
#define tvb_get_uint8(tvb, off)           tvb_get_guint8((tvb), (off))
#define tvb_get_uint16(tvb, off, enc)     tvb_get_guint16((tvb), (off), (enc))
#define tvb_get_uint32(tvb, off, enc)     tvb_get_guint32((tvb), (off), (enc))
#define tvb_get_uint64(tvb, off, enc)     tvb_get_guint64((tvb), (off), (enc))
#endif

/* ---- dissect_nt_sid(): 4.6 takes pinfo ---- */
#include <epan/dissectors/packet-windows-common.h>
#if !CMRP_WS_AT_LEAST(4, 6)
#define dissect_nt_sid(tvb, pinfo, off, tree, name, sid_str, hf) \
    ((void)(pinfo), dissect_nt_sid((tvb), (off), (tree), (name), (sid_str), (hf)))
#endif

/* ---- plugin entry points: 4.2 added plugin_describe() (what kind of plugin this is) ---- */
#if CMRP_WS_AT_LEAST(4, 2)
#include <wsutil/plugins.h>
#define CMRP_PLUGIN_HAS_DESCRIBE 1
#define CMRP_PLUGIN_DESC_DISSECTOR WS_PLUGIN_DESC_DISSECTOR
#else
#define CMRP_PLUGIN_HAS_DESCRIBE 0
#endif

#endif /* CMRP_COMPAT_H */
