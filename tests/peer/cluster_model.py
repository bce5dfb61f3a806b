"""The mock ClusAPI server's model: the cluster state, context handles per association and the
dispatch from opnum to handler. Used by mockclusd.py; Python 3 stdlib (plus the transports).

A handler is `fn(call) -> dict`: `call.req` holds the decoded [in] parameters (ndrcodec value
mapping), the returned dict the [out] ones and '_return'; anything left out encodes as zero /
NULL, so a success returns only what it sets. A handler fails with `raise CmrpError(status)`:
the dispatcher then answers Status=status (methods returning a context handle, with a NULL
handle) or _return=status. Handlers are registered by the handlers_*.py modules
(`register(model)`), and may be added or replaced by an optional cluster_model_ext.py, whose
register(model) mockclusd.build_model() calls after Model() is built.

    model = Model()
    CoServer(port, model.handler(3), CLUSAPI_UUID, ...)     # ClusAPI 3.0 (ncacn_ip_tcp)
    ClServer(port, model.handler(2), CLUSAPI_UUID, ...)     # ClusAPI 2.0 (ncadg_ip_udp)

Opnums with no handler (and the slots the spec says are not used on the wire) fault with
nca_s_op_rng_error (0x1c010002), a stub that cannot be decoded with RPC_X_BAD_STUB_DATA.
An unknown or NULL context handle faults with nca_s_fault_context_mismatch, as the Windows RPC
runtime does; a known handle of the wrong kind fails the method with ERROR_INVALID_HANDLE.
"""
import hashlib
import logging
import os
import sys
import threading

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

import ndrcodec  # noqa: E402
from cluster_consts import (  # noqa: E402
    ERROR_ACCESS_DENIED, ERROR_CLUSTER_NETINTERFACE_NOT_FOUND, ERROR_CLUSTER_NETWORK_NOT_FOUND,
    ERROR_CLUSTER_NODE_NOT_FOUND, ERROR_CLUSTER_RESOURCE_TYPE_NOT_FOUND, ERROR_FILE_NOT_FOUND,
    ERROR_GROUP_NOT_FOUND, ERROR_GROUPSET_NOT_FOUND, ERROR_INVALID_HANDLE,
    ERROR_RESOURCE_NOT_FOUND, GENERIC_ALL, NCA_S_FAULT_CONTEXT_MISMATCH,
    NCA_S_FAULT_NDR, NCA_S_OP_RNG_ERROR)
from cluster_events import Events  # noqa: E402
from cluster_state import ClusterState  # noqa: E402
from dcerpc_co import Fault  # noqa: E402

CLUSAPI_UUID = 'b97db8b2-4c63-11cf-bff6-08002be23f2f'

log = logging.getLogger('cmrp.mock')

# The status a method fails with when the object behind a valid handle was deleted.
NOT_FOUND = {'node': ERROR_CLUSTER_NODE_NOT_FOUND, 'group': ERROR_GROUP_NOT_FOUND,
             'resource': ERROR_RESOURCE_NOT_FOUND, 'network': ERROR_CLUSTER_NETWORK_NOT_FOUND,
             'netinterface': ERROR_CLUSTER_NETINTERFACE_NOT_FOUND, 'key': ERROR_FILE_NOT_FOUND,
             'restype': ERROR_CLUSTER_RESOURCE_TYPE_NOT_FOUND,
             'groupset': ERROR_GROUPSET_NOT_FOUND}

ZERO_HANDLE = b'\0' * 20

# The modules whose register(model) installs the handlers, in order (later ones may override).
HANDLER_MODULES = ('handlers_core', 'handlers_resource', 'handlers_group', 'handlers_registry',
                   'handlers_control', 'handlers_notify', 'handlers_groupset')


class CmrpError(Exception):
    """A method failing with a Win32 status."""

    def __init__(self, status):
        super().__init__('status %d (0x%08x)' % (status, status))
        self.status = status


class Handle:
    """What a context handle refers to: `kind` (cluster, node, group, resource, network,
    netinterface, key, notify, batch_port, groupset), the object, the access granted, and
    per-handle data (notification registrations, enumeration state...)."""

    def __init__(self, kind, obj, access, wire):
        self.kind = kind
        self.obj = obj
        self.access = access
        self.wire = wire
        self.data = {}

    def __repr__(self):
        return '<Handle %s %r>' % (self.kind, self.obj)


class Call:
    """One call being handled: the decoded request and the helpers handlers need."""

    def __init__(self, model, ctx, method, req, version):
        self.model = model
        self.state = model.state
        self.events = model.events
        self.ctx = ctx
        self.method = method
        self.req = req
        self.version = version
        self.table = model.handle_table(ctx)

    def __getitem__(self, name):
        return self.req[name]

    def get(self, name, default=None):
        return self.req.get(name, default)

    # -- context handles -----------------------------------------------------------------------

    def handle(self, param, *kinds, alive=True):
        """The Handle passed in `param`; its kind must be one of `kinds` (if given). With
        `alive`, a handle whose object was deleted fails the call with the object's
        not-found status."""
        wire = self.req.get(param)
        h = self.table.get(bytes(wire)) if wire else None
        if h is None:
            raise Fault(NCA_S_FAULT_CONTEXT_MISMATCH)
        if kinds and h.kind not in kinds:
            raise CmrpError(ERROR_INVALID_HANDLE)
        if alive and getattr(h.obj, 'deleted', False):
            raise CmrpError(NOT_FOUND.get(h.kind, ERROR_INVALID_HANDLE))
        return h

    def obj(self, param, *kinds, write=False):
        """The object behind the handle in `param`; `write` requires "All" access."""
        h = self.handle(param, *kinds)
        if write and h.access != GENERIC_ALL:
            raise CmrpError(ERROR_ACCESS_DENIED)
        return h.obj

    def new_handle(self, kind, obj, access=GENERIC_ALL):
        wire = self.model.next_handle()
        h = Handle(kind, obj, access, wire)
        self.table[wire] = h
        return wire

    def close(self, param, *kinds):
        """Close the handle in `param`: the [in,out] parameter comes back zeroed."""
        h = self.handle(param, *kinds, alive=False)
        del self.table[h.wire]
        self.model.on_close(h)
        return {param: ZERO_HANDLE}

    def handles(self, kind=None):
        return [h for h in self.table.values() if kind is None or h.kind == kind]


class Model:
    """The cluster, its handlers and the context handles of every association."""

    def __init__(self, idl_path=None, notify_timeout=5.0):
        iface = ndrcodec.cmrpidl.parse_idl(idl_path or ndrcodec.DEFAULT_IDL)
        self.codecs = {3: ndrcodec.Codec(iface, 3), 2: ndrcodec.Codec(iface, 2)}
        self.state = ClusterState()
        self.lock = threading.RLock()
        self.cond = threading.Condition(self.lock)
        self.events = Events(self)
        self.notify_timeout = notify_timeout     # longest a GetNotify* call blocks
        self.handlers = {}
        self.closers = []                        # fn(Handle) run when a handle is closed
        self._handle_count = 0
        for name in HANDLER_MODULES:
            __import__(name).register(self)

    # -- registration --------------------------------------------------------------------------

    def register(self, method, fn):
        """Handle `method` (a name such as 'ApiOpenCluster' or an opnum) with fn(call)."""
        m = self.codecs[3].method(method)
        self.handlers[m.opnum] = fn

    def register_all(self, table):
        for name, fn in table.items():
            self.register(name, fn)

    # -- context handles -----------------------------------------------------------------------

    def next_handle(self):
        """4 zero bytes and 16 bytes derived from a counter: reproducible from run to run."""
        with self.lock:
            self._handle_count += 1
            n = self._handle_count
        return b'\0' * 4 + hashlib.md5(b'cmrp-context-handle:%d' % n).digest()

    @staticmethod
    def handle_table(ctx):
        assoc = ctx.assoc
        table = assoc.get('cmrp_handles') if assoc is not None else None
        if table is None:
            table = {}
            if assoc is not None:
                assoc['cmrp_handles'] = table
        return table

    def on_close(self, h):
        for fn in self.closers:
            fn(h)

    # -- dispatch ------------------------------------------------------------------------------

    def handler(self, version=3):
        """The transport handler (CallContext -> response stub) for ClusAPI `version`."""
        return lambda ctx: self.dispatch(ctx, version)

    def dispatch(self, ctx, version=3):
        codec = self.codecs[version]
        try:
            m = codec.method(ctx.opnum)
        except KeyError:
            raise Fault(NCA_S_OP_RNG_ERROR)
        fn = self.handlers.get(ctx.opnum)
        if m.not_on_wire or fn is None:
            log.info('opnum %d (%s): no handler', ctx.opnum, m.name)
            raise Fault(NCA_S_OP_RNG_ERROR)
        try:
            req = codec.decode_request(m, ctx.stub, ctx.ndr64)
        except ndrcodec.NdrError as e:
            log.warning('%s: cannot decode the request: %s', m.name, e)
            raise Fault(NCA_S_FAULT_NDR)
        call = Call(self, ctx, m, req, version)
        with self.lock:
            try:
                out = fn(call) or {}
            except CmrpError as e:
                out = self.failure(m, e.status, version)
        out = self.complete(m, version, req, out)
        log.debug('%s %r -> %r', m.name, req, out)
        return codec.encode_response(m, out, ctx.ndr64)

    @staticmethod
    def complete(m, version, req, out):
        """What a server stub has when it marshals the response: the [in]-only parameters
        (sizes such as nOutBufferSize or cbData that size [out] arrays), and every [out] byte
        array sized by them and not varying (ApiQueryValue.lpData) exactly that long."""
        out = dict(out)
        params = m.params_for(version)
        for d in params:
            if 'in' in d.attrs and 'out' not in d.attrs and d.name not in out \
                    and d.name in req:
                out[d.name] = req[d.name]
        for d in params:
            size = d.arg('size_is')
            if 'out' not in d.attrs or not size or d.arg('length_is') or d.nptr + (
                    d.array is not None) != 1 or d.type not in ('UCHAR', 'BYTE'):
                continue
            n = out.get(size.lstrip('*').strip())
            if not isinstance(n, int):
                continue
            data = bytes(out.get(d.name) or b'')
            out[d.name] = data[:n] + b'\0' * (n - len(data))
        return out

    @staticmethod
    def failure(m, status, version=3):
        """The [out] values of a method failing with `status`: a method returning a context
        handle returns NULL and the status in Status (rpc_error for ApiCreateNotifyV2)."""
        if m.ret not in ('error_status_t', 'void'):
            names = [d.name for d in m.params_for(version)]
            return {'Status' if 'Status' in names else 'rpc_error': status, '_return': None}
        return {'_return': status}
