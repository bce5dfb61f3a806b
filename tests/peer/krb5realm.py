#!/usr/bin/python3
"""krb5realm: a throwaway MIT Kerberos realm on 127.0.0.1, for Kerberos and SPNEGO test traffic.

    krb5realm.py [--dir DIR] [--keytab-out FILE] run -- COMMAND ARGS...
        start the realm, run COMMAND with the realm's environment (below), stop the KDC, remove
        the realm's folder (unless --dir was given), exit with COMMAND's status
    krb5realm.py [--dir DIR] [--keytab-out FILE] serve
        start the realm, print its environment as shell assignments (also in DIR/env.sh, to
        source), print "ready", and run until SIGTERM or SIGINT; then stop the KDC

Everything lives in one temporary folder: krb5.conf, kdc.conf, the KDC database, the service
keytab, the credential cache and the logs. The KDC listens on 127.0.0.1 only, on a free port
(UDP and TCP). The environment points libkrb5 at that folder:

    KRB5_CONFIG       DIR/krb5.conf (dns_lookup_kdc, dns_lookup_realm and rdns off, the realm's
                      domain_realm mapping), so nothing is resolved through DNS and
                      /etc/krb5.conf is never read
    KRB5_KDC_PROFILE  DIR/kdc.conf
    KRB5CCNAME        FILE:DIR/ccache
    KRB5_KTNAME       DIR/service.keytab (what an acceptor uses by default)
    KRB5RCACHETYPE    none (no replay cache written under /var/tmp)
    CMRP_KRB5_DIR, CMRP_KRB5_REALM, CMRP_KRB5_HOST, CMRP_KRB5_KEYTAB

The principals and passwords are fixed (test-only; see PRINCIPALS), so the service keys - and
the keytab that decrypts captures made with this realm - are the same on every run. The keytab
holds the keys of every service principal, in AES256 and AES128.

From Python:

    with Realm() as realm:
        env = realm.env()         # merge into a subprocess's environment
        realm.kinit()             # user's TGT into the realm's ccache
"""
import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

REALM = 'CMRP.TEST'
DOMAIN = 'cmrp.test'
HOST = 'cluster.cmrp.test'
USER = 'cmrpuser'
PASSWORD = 'Cmrp-Passw0rd'
# Test-only service password: the keys derived from it are published in captures/cmrp-test.keytab.
SERVICE_PASSWORD = 'Cmrp-Test-Only-Service-Key'
# Samba 4.17 upper-cases the host of target_hostname= in the principal it asks for, so both
# spellings exist (MIT principals are case-sensitive), for the cluster and its node account.
SERVICES = ['MSServerClusterMgmtAPI/' + HOST, 'MSServerClusterMgmtAPI/' + HOST.upper(),
            'host/' + HOST, 'host/' + HOST.upper()]
PRINCIPALS = [(USER, PASSWORD)] + [(s, SERVICE_PASSWORD) for s in SERVICES]
ENCTYPES = 'aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal'
SBIN = ['/usr/sbin', '/usr/bin', '/sbin', '/bin']


def _tool(name):
    for d in SBIN:
        p = os.path.join(d, name)
        if os.path.exists(p):
            return p
    found = shutil.which(name)
    if not found:
        raise RuntimeError('%s is missing (Debian packages krb5-kdc, krb5-admin-server, '
                           'krb5-user)' % name)
    return found


def missing_tools():
    """Names of the MIT tools this module needs that are not installed."""
    out = []
    for name in ('krb5kdc', 'kdb5_util', 'kadmin.local', 'kinit'):
        try:
            _tool(name)
        except RuntimeError:
            out.append(name)
    return out


def _free_port():
    """A port free for both UDP and TCP on 127.0.0.1."""
    for _ in range(50):
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        t.bind(('127.0.0.1', 0))
        port = t.getsockname()[1]
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            u.bind(('127.0.0.1', port))
            return port
        except OSError:
            continue
        finally:
            u.close()
            t.close()
    raise RuntimeError('no free port')


class Realm:
    def __init__(self, directory=None, keytab_out=None):
        self.own_dir = directory is None
        self.dir = directory or tempfile.mkdtemp(prefix='cmrp-krb5-')
        os.makedirs(self.dir, exist_ok=True)
        os.chmod(self.dir, 0o755)
        self.keytab_out = keytab_out
        self.port = None
        self.kdc = None
        self.realm, self.host, self.user, self.password = REALM, HOST, USER, PASSWORD
        self.keytab = os.path.join(self.dir, 'service.keytab')

    def path(self, name):
        return os.path.join(self.dir, name)

    def env(self):
        return {
            'KRB5_CONFIG': self.path('krb5.conf'),
            'KRB5_KDC_PROFILE': self.path('kdc.conf'),
            'KRB5CCNAME': 'FILE:' + self.path('ccache'),
            'KRB5_KTNAME': 'FILE:' + self.keytab,
            'KRB5RCACHETYPE': 'none',
            'CMRP_KRB5_DIR': self.dir,
            'CMRP_KRB5_REALM': self.realm,
            'CMRP_KRB5_HOST': self.host,
            'CMRP_KRB5_KEYTAB': self.keytab,
        }

    def _run(self, argv, stdin=None):
        env = dict(os.environ)
        env.update(self.env())
        p = subprocess.run(argv, input=stdin, env=env, capture_output=True, text=True,
                           timeout=60)
        if p.returncode != 0:
            raise RuntimeError('%s failed (%d): %s%s' % (' '.join(argv), p.returncode, p.stdout,
                                                         p.stderr))
        return p.stdout

    def _write_conf(self):
        d = self.dir
        with open(self.path('krb5.conf'), 'w') as f:
            f.write(f"""[libdefaults]
    default_realm = {REALM}
    dns_lookup_kdc = false
    dns_lookup_realm = false
    dns_canonicalize_hostname = false
    rdns = false
    udp_preference_limit = 1
    default_ccache_name = FILE:{d}/ccache
    default_keytab_name = FILE:{d}/service.keytab

[realms]
    {REALM} = {{
        kdc = 127.0.0.1:{self.port}
        admin_server = 127.0.0.1:{self.port}
    }}

[domain_realm]
    .{DOMAIN} = {REALM}
    {DOMAIN} = {REALM}
""")
        with open(self.path('kdc.conf'), 'w') as f:
            f.write(f"""[kdcdefaults]
    kdc_listen = 127.0.0.1:{self.port}
    kdc_tcp_listen = 127.0.0.1:{self.port}

[realms]
    {REALM} = {{
        database_name = {d}/principal
        key_stash_file = {d}/stash
        acl_file = {d}/kadm5.acl
        kdc_listen = 127.0.0.1:{self.port}
        kdc_tcp_listen = 127.0.0.1:{self.port}
        supported_enctypes = {ENCTYPES}
        master_key_type = aes256-cts-hmac-sha1-96
        max_life = 24h
        max_renewable_life = 7d
    }}

[logging]
    kdc = FILE:{d}/kdc.log
    admin_server = FILE:{d}/kadmin.log
    default = FILE:{d}/krb5lib.log
""")
        open(self.path('kadm5.acl'), 'w').close()

    def start(self):
        self.port = _free_port()
        self._write_conf()
        self._run([_tool('kdb5_util'), 'create', '-s', '-r', REALM, '-P', 'cmrp-master-key'])
        for princ, pw in PRINCIPALS:
            self._run([_tool('kadmin.local'), '-r', REALM, '-q',
                       'addprinc -pw %s -e "%s" %s' % (pw, ENCTYPES, princ)])
        self._run([_tool('kadmin.local'), '-r', REALM, '-q',
                   'ktadd -norandkey -k %s %s' % (self.keytab, ' '.join(SERVICES))])
        os.chmod(self.keytab, 0o644)
        if self.keytab_out:
            shutil.copyfile(self.keytab, self.keytab_out)
            os.chmod(self.keytab_out, 0o644)
        env = dict(os.environ)
        env.update(self.env())
        self.kdc = subprocess.Popen([_tool('krb5kdc'), '-n', '-r', REALM], env=env,
                                    stdout=open(self.path('krb5kdc.out'), 'w'),
                                    stderr=subprocess.STDOUT)
        # Ready when it answers on TCP.
        for _ in range(100):
            if self.kdc.poll() is not None:
                raise RuntimeError('krb5kdc exited: %s' % open(self.path('krb5kdc.out')).read())
            try:
                socket.create_connection(('127.0.0.1', self.port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.05)
        else:
            self.stop()
            raise RuntimeError('krb5kdc did not start')
        with open(self.path('env.sh'), 'w') as f:
            for k, v in sorted(self.env().items()):
                f.write("export %s='%s'\n" % (k, v))
        return self

    def kinit(self, user=USER, password=PASSWORD):
        self._run([_tool('kinit'), '%s@%s' % (user, REALM)], stdin=password + '\n')

    def stop(self):
        if self.kdc is not None and self.kdc.poll() is None:
            self.kdc.terminate()
            try:
                self.kdc.wait(10)
            except subprocess.TimeoutExpired:
                self.kdc.kill()
                self.kdc.wait()
        self.kdc = None
        if self.own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def main(argv=None):
    p = argparse.ArgumentParser(description='A throwaway MIT Kerberos realm on 127.0.0.1.')
    p.add_argument('--dir', help='use this folder (kept afterwards) instead of a temporary one')
    p.add_argument('--keytab-out', help='also copy the service keytab here')
    sub = p.add_subparsers(dest='cmd', required=True)
    r = sub.add_parser('run', help='run a command inside the realm')
    r.add_argument('command', nargs=argparse.REMAINDER)
    sub.add_parser('serve', help='run until SIGTERM or SIGINT')
    args = p.parse_args(argv)
    realm = Realm(args.dir, args.keytab_out)
    realm.start()
    try:
        if args.cmd == 'run':
            cmd = args.command[1:] if args.command[:1] == ['--'] else args.command
            if not cmd:
                p.error('run needs a command')
            env = dict(os.environ)
            env.update(realm.env())
            return subprocess.call(cmd, env=env)
        for k, v in sorted(realm.env().items()):
            print("%s='%s'" % (k, v))
        print('ready', flush=True)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        try:
            while True:
                signal.pause()
        except KeyboardInterrupt:
            pass
        return 0
    finally:
        realm.stop()


if __name__ == '__main__':
    sys.exit(main())
