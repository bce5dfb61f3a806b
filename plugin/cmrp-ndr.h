/* cmrp-ndr.h — descriptors generated from idl/ and the NDR/NDR64 walker that interprets them.
 *
 * The generator (idl/gen/cmrpgen.py) turns every method, parameter, structure and member of the
 * IDL into the constant tables below; cmrp-ndr.c is the only code that knows NDR from NDR64.
 */
#ifndef CMRP_NDR_H
#define CMRP_NDR_H

#include <stdbool.h>
#include <stdint.h>
#include <epan/packet.h>
#include <epan/dissectors/packet-dcerpc.h>
#include "cmrp-hooks.h"

/* What a value is, once pointers and arrays are peeled off. */
enum cmrp_kind {
    CMRP_K_UINT,       /* size 1, 2, 4, 8 */
    CMRP_K_INT,
    CMRP_K_BOOL,       /* BOOL (4) or BOOLEAN (1) */
    CMRP_K_CHAR16,     /* one UTF-16 code unit */
    CMRP_K_UINT3264,   /* DWORD_PTR: 4 bytes, 8 in NDR64 */
    CMRP_K_ENUM,       /* 2 bytes in NDR (4 with v1_enum), 4 in NDR64 */
    CMRP_K_HANDLE,     /* 20-byte context handle */
    CMRP_K_BINDING,    /* handle_t: nothing on the wire */
    CMRP_K_STRUCT,
    CMRP_K_GUID,
    CMRP_K_FILETIME
};

/* Pointer kinds, one per indirection level. */
enum cmrp_ptr { CMRP_P_REF, CMRP_P_UNIQUE, CMRP_P_FULL };

/* Array shapes. `outer` is the declarator's own [] ; `inner` is what the innermost pointer points to. */
enum cmrp_arr {
    CMRP_A_NONE,
    CMRP_A_FIXED,      /* T x[N] */
    CMRP_A_CONF,       /* size_is only, or [*] */
    CMRP_A_CONFVAR,    /* size_is + length_is */
    CMRP_A_VAR,        /* length_is on a fixed array */
    CMRP_A_STRING      /* [string]: conformant varying, NUL-terminated */
};

#define CMRP_F_IN      0x0001
#define CMRP_F_OUT     0x0002
#define CMRP_F_V2ONLY  0x0004   /* parameter exists only in ClusAPI 2.0 */
#define CMRP_F_V3ONLY  0x0008   /* parameter exists only in ClusAPI 3.0 */
#define CMRP_F_V1ENUM  0x0010
#define CMRP_F_BYTES   0x0020   /* array of 1-byte elements: one bytes item, not one per byte */
#define CMRP_F_SAVESTR 0x0040   /* string kept in the call state (object name for Info/handles) */
#define CMRP_F_SIGNED  0x0080

typedef struct cmrp_elem {
    const char *name;
    int *hf;                 /* value field; NULL for structures */
    uint8_t kind;            /* enum cmrp_kind */
    uint8_t size;            /* wire size of one value in NDR (0 for structs/binding) */
    uint8_t nptr;            /* pointer levels between the declarator and the value */
    uint8_t outer;           /* enum cmrp_arr */
    uint8_t inner;           /* enum cmrp_arr */
    uint8_t ptr[4];          /* enum cmrp_ptr per level */
    uint16_t flags;          /* CMRP_F_* */
    uint32_t fixed;          /* CMRP_A_FIXED count */
    int16_t sub;             /* structure index for CMRP_K_STRUCT, else -1 */
    int16_t buffer_hook;     /* index in cmrp_buffer_hooks, -1 */
    int16_t scalar_hook;     /* index in cmrp_scalar_hooks, -1 */
    int * const *bits;       /* FT_BOOLEAN fields of a bitmask (cnf bits=ENUM), or NULL */
    int *bits_ett;
    /* An [in] parameter that designates an object (every context handle, and the strings
     * idl/cmrp.cnf OBJECT lines name): its type (enum cmrp_obj_type in cmrp-gen.h, 0 = none or
     * any), what a successful call does to it, and its role in the call (NULL: the subject). */
    uint8_t obj_type;
    uint8_t obj_effect;      /* CMRP_E_* */
    const char *obj_role;
} cmrp_elem_t;

/* What a successful call does to an object parameter. */
#define CMRP_E_NONE   0
#define CMRP_E_RENAME 1      /* the call's subject takes this name */
#define CMRP_E_DELETE 2      /* the object is gone */

/* An object parameter: a handle, or a string annotated in idl/cmrp.cnf. */
#define CMRP_ELEM_IS_OBJECT(e) \
    (((e)->flags & CMRP_F_IN) && ((e)->kind == CMRP_K_HANDLE || ((e)->flags & CMRP_F_SAVESTR)))

typedef struct cmrp_struct {
    const char *name;
    int *ett;
    const cmrp_elem_t *members;
    uint16_t nmembers;
    uint8_t align;           /* NDR alignment */
    uint8_t align64;         /* NDR64 alignment */
    bool conformant;         /* last member is a conformant array: its max_count is hoisted */
} cmrp_struct_t;

#define CMRP_M_V3ONLY     0x01
#define CMRP_M_NOT_ON_WIRE 0x02

/* Handle roles, derived by the generator from the signature (see idl/cmrp.cnf for overrides). */
enum cmrp_handle_role { CMRP_H_NONE, CMRP_H_OPEN, CMRP_H_CLOSE };

typedef struct cmrp_method {
    uint16_t opnum;
    const char *name;
    uint8_t flags;           /* CMRP_M_* */
    uint8_t role;            /* enum cmrp_handle_role */
    const cmrp_elem_t *params;
    uint8_t nparams;
    const cmrp_elem_t *ret;  /* NULL for void */
    const char *section;     /* MS-CMRP section */
    const char *default_name;/* object name of an opened handle when the request names none */
    int8_t name_param;       /* index of the [in] string naming the opened object, -1 */
    int8_t parent_param;     /* index of the [in] parent handle whose name prefixes it (keys), -1 */
} cmrp_method_t;

extern const cmrp_method_t cmrp_methods[];
extern const unsigned cmrp_n_methods;
extern const cmrp_struct_t cmrp_structs[];
extern const cmrp_buffer_hook_fn cmrp_buffer_hooks[];
extern const cmrp_scalar_hook_fn cmrp_scalar_hooks[];

/* range(min, max) of an integer parameter or member (generated from the IDL): a value outside
 * it gets expert info (the server's stub rejects such a call). v3_only: the range is ClusAPI 3.0's
 * only, the 2.0 signature declares the element without one ([v3range] in the IDL). */
typedef struct cmrp_range {
    const cmrp_elem_t *elem;
    uint64_t min;
    uint64_t max;
    bool v3_only;
    const char *where;       /* "Method.param (MS-CMRP section)" */
} cmrp_range_t;

extern const cmrp_range_t cmrp_ranges[];
extern const unsigned cmrp_n_ranges;

/* The walker's own fields, registered by cmrp_ndr_register(); the layers above use them too. */
extern int hf_cmrp_handle;
extern int hf_cmrp_rc;
extern int hf_cmrp_null_pointer;
extern int hf_cmrp_referent;

/* What the walker learnt about one stub, for the Info column, errors and handle tracking. */
typedef struct cmrp_stub_summary {
    int cur_param;               /* index of the top-level parameter being walked, or -1 */
    bool have_rc;
    uint32_t rc;                 /* return value */
    uint32_t status;             /* first non-zero Status / rpc_status / rpc_error */
    const char *status_name;     /* which parameter gave `status` */
    const char *object_name;     /* name of the call's subject (first object without a role) */
    unsigned object_type;        /* its type (enum cmrp_obj_type; CMRP_O_NONE if not known) */
    const char *open_name;       /* an Open/Create request: the name it asks for */
    const char *opened_name;     /* an Open/Create response: the object of the new handle */
    bool have_in_handle;
    uint8_t in_handle[20];       /* first [in] or [in,out] context handle */
    bool have_outcome_status;
    uint32_t outcome_status;     /* the Status [out] parameter (methods returning a handle) */
    const char *outcome_name;    /* its name (Status, or rpc_error) */
    proto_item *rc_item;         /* the return value's item, when the walker added it */
    bool have_count;
    uint64_t count;              /* element count of the response's first array */
    const char *out_str[CMRP_MAX_PARAMS];   /* [out] strings of a response (packet scope) */
} cmrp_stub_summary_t;

/* What the walker hands up, and asks of, the layers above it. The walker knows no handle
 * tracking and no Info column: the protocol module (packet-cmrp.c) wires these at registration
 * to the state module (cmrp-handles.c) and to itself, so the include and call graph of plugin/
 * reads top-down (README, layout section). */
typedef struct cmrp_walker_ops {
    /* a 20-byte context handle at tvb/off: add its item; in a request, remember what it names */
    void (*handle_item)(packet_info *pinfo, proto_tree *tree, tvbuff_t *tvb, int off,
                        const cmrp_method_t *m, cmrp_hook_ctx_t *hctx, const cmrp_elem_t *e,
                        cmrp_stub_summary_t *sum);
    /* an [in] string that names an object (cmrp.cnf OBJECT line), its item `ti` */
    void (*object_string)(packet_info *pinfo, proto_item *ti, tvbuff_t *tvb, const cmrp_elem_t *e,
                          cmrp_hook_ctx_t *hctx, cmrp_stub_summary_t *sum, int param,
                          const char *name);
    /* the [in] scalar parameter `param` of a stored call */
    bool (*call_val)(const cmrp_call_t *call, unsigned param, uint64_t *value);
    /* a scalar the stub summary may want (return value, Status, counts) */
    void (*note_value)(cmrp_stub_summary_t *sum, const cmrp_elem_t *e, uint64_t v);
} cmrp_walker_ops_t;

void cmrp_summary_note_value(cmrp_stub_summary_t *sum, const cmrp_elem_t *e, uint64_t v);

/* Walk one stub. Returns the offset after the last byte consumed. */
int cmrp_ndr_walk(tvbuff_t *tvb, int offset, packet_info *pinfo, proto_tree *tree, dcerpc_info *di,
                  uint8_t *drep, const cmrp_method_t *m, cmrp_hook_ctx_t *hctx,
                  cmrp_stub_summary_t *sum);

/* Registers the walker's fields; `ops` (static, every member set) is what it calls above it. */
void cmrp_ndr_register(int proto, const cmrp_walker_ops_t *ops);

#endif
