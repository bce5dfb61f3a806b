#!/usr/bin/python3
"""mockclusd: a mock Failover Cluster (MS-CMRP / ClusAPI) server for real-client traffic.

    mockclusd.py --port PORT [--user USER --password PASS] [--keytab FILE] [--dump-stubs DIR]
                 [--udp-port PORT] [--notify-timeout SECONDS] [-v]

Serves ClusAPI 3.0 over ncacn_ip_tcp on 127.0.0.1:PORT (NDR and NDR64; anonymous, or NTLMSSP /
SPNEGO with USER and PASS at any authentication level, packet privacy included; Kerberos, auth
type 16 or chosen by SPNEGO, with the service keys of --keytab FILE, see krb5realm.py) and, with
--udp-port, ClusAPI 2.0 over ncadg_ip_udp on 127.0.0.1:PORT. Only the loopback interface is
used. Runs until killed. The cluster it answers for is described in cluster_state.py; its
state changes as the calls arrive (groups go offline, resources are created, registry values
set...), and every association has its own context handles.

--dump-stubs DIR writes every request and response stub to DIR (ClusAPI 3.0) and DIR/udp
(ClusAPI 2.0), as NNNNN_OPNUM_in|out[_ndr64].bin.

If tests/peer/cluster_model_ext.py exists, its register(model) is called after the built-in
handlers are installed: it may add handlers or replace them (model.register(name, fn)).

Run it with /usr/bin/python3 (it needs python3-pycryptodome for NTLMSSP).
"""
import argparse
import importlib.util
import logging
import os
import sys
import threading

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from cluster_model import CLUSAPI_UUID, Model  # noqa: E402
from dcerpc_cl import ClServer  # noqa: E402
from dcerpc_co import CoServer  # noqa: E402

EXTENSION = os.path.join(_HERE, 'cluster_model_ext.py')


def load_extension(model, path=EXTENSION):
    """Call register(model) of the optional extension module; returns the module or None."""
    if not os.path.exists(path):
        return None
    spec = importlib.util.spec_from_file_location('cluster_model_ext', path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules['cluster_model_ext'] = mod
    spec.loader.exec_module(mod)
    mod.register(model)
    return mod


def build_model(notify_timeout=5.0):
    model = Model(notify_timeout=notify_timeout)
    load_extension(model)
    return model


def parse_args(argv):
    p = argparse.ArgumentParser(description='Mock ClusAPI (MS-CMRP) server on 127.0.0.1.')
    p.add_argument('--port', type=int, required=True,
                   help='TCP port for ClusAPI 3.0 (ncacn_ip_tcp); 0 picks a free one')
    p.add_argument('--user', help='accept NTLMSSP logons of this user (anonymous otherwise)')
    p.add_argument('--password', help="the user's password")
    p.add_argument('--keytab', help='accept Kerberos (auth type 16, or SPNEGO choosing it) '
                   'with the service keys in this keytab (python3-gssapi)')
    p.add_argument('--dump-stubs', metavar='DIR', help='write every stub to DIR')
    p.add_argument('--udp-port', type=int, help='also serve ClusAPI 2.0 over ncadg_ip_udp')
    p.add_argument('--notify-timeout', type=float, default=5.0,
                   help='longest a GetNotify* call waits for an event (seconds)')
    p.add_argument('--spec-storage', action='store_true',
                   help='storage value lists in the spec layout: RESCLASS values as '
                        'CLUS_RESOURCE_CLASS_INFO (8 bytes), disk info with every storage syntax')
    p.add_argument('-v', '--verbose', action='count', default=0)
    args = p.parse_args(argv)
    if (args.user is None) != (args.password is None):
        p.error('--user and --password go together')
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=(logging.WARNING, logging.INFO, logging.DEBUG)[min(args.verbose, 2)],
                        format='%(asctime)s %(name)s %(levelname)s %(message)s')
    if args.spec_storage:
        import clusbuf
        clusbuf.STORAGE_SPEC = True
    if args.keytab:
        # No replay cache file under /var/tmp: this is a throwaway test service.
        os.environ.setdefault('KRB5RCACHETYPE', 'none')
        args.keytab = os.path.abspath(args.keytab)
    model = build_model(args.notify_timeout)
    co = CoServer(args.port, model.handler(3), CLUSAPI_UUID, iface_versions=((3, 0),),
                  user=args.user, password=args.password, dump_dir=args.dump_stubs,
                  keytab=args.keytab)
    if args.udp_port is not None:
        udp_dump = os.path.join(args.dump_stubs, 'udp') if args.dump_stubs else None
        cl = ClServer(args.udp_port, model.handler(2), CLUSAPI_UUID, iface_versions=((2, 0),),
                      dump_dir=udp_dump)
        threading.Thread(target=cl.serve_forever, name='mockclusd-udp', daemon=True).start()
        print('mockclusd: ClusAPI 2.0 on udp 127.0.0.1:%d' % cl.port, flush=True)
    print('mockclusd: ClusAPI 3.0 on tcp 127.0.0.1:%d' % co.port, flush=True)
    try:
        co.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == '__main__':
    sys.exit(main())
