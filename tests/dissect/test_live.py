"""Live: tshark with the plugin captures on lo, filtered to the mock's port, while smbtorture runs.

tshark runs as an unprivileged user (so it honours WIRESHARK_PLUGIN_DIR) with the ambient
capabilities dumpcap needs to capture (CAP_NET_RAW, CAP_NET_ADMIN).
"""
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from conftest import PLUGIN_DIR, ROOT

PEER = os.path.join(ROOT, 'tests', 'peer')


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.mark.skipif(os.geteuid() != 0, reason='live capture needs root to grant capabilities')
def test_live_capture_decodes_smbtorture(tshark):
    port = free_port()
    mock = subprocess.Popen(['/usr/bin/python3', os.path.join(PEER, 'mockclusd.py'), '--port',
                             str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cap = None
    try:
        for _ in range(100):
            try:
                socket.create_connection(('127.0.0.1', port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        cap = subprocess.Popen(
            ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups',
             '--inh-caps=+net_raw,+net_admin', '--ambient-caps=+net_raw,+net_admin',
             'tshark', '-i', 'lo', '-f', 'tcp port %d' % port, '-l', '-T', 'fields',
             '-E', 'separator=\t', '-e', 'frame.number', '-e', '_ws.col.Info',
             '-e', 'cmrp.object_name', '-e', '_ws.malformed', '-Y', 'cmrp'],
            env=tshark.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # wait until dumpcap says it captures
        deadline = time.time() + 30
        started = ''
        while time.time() < deadline and 'Capture started' not in started:
            started += cap.stderr.readline()
        assert 'Capture started' in started, started
        run = subprocess.run(['smbtorture', 'ncacn_ip_tcp:127.0.0.1[%d]' % port, '-U%',
                              'rpc.clusapi.cluster', 'rpc.clusapi.resource'],
                             capture_output=True, text=True, timeout=300)
        assert 'failure' not in run.stdout.lower(), run.stdout[-2000:]
        time.sleep(1.0)
        cap.send_signal(signal.SIGINT)
        out, err = cap.communicate(timeout=60)
    finally:
        if cap and cap.poll() is None:
            cap.kill()
        mock.terminate()
        mock.wait(timeout=30)
    rows = [line.split('\t') for line in out.splitlines() if line.strip()]
    infos = [r[1] for r in rows]
    assert len(rows) > 100, err[-2000:]
    assert 'ApiOpenCluster response' in infos
    assert 'ApiCloseCluster request "Cluster"' in infos
    assert any(i.startswith('ApiOpenResource request "') for i in infos)
    assert any(i.startswith('ApiOnlineResource request "') for i in infos)
    # every request got its response, and nothing was malformed
    requests = [i for i in infos if ' request' in i]
    responses = [i for i in infos if ' response' in i]
    assert len(requests) == len(responses)
    assert not [r for r in rows if len(r) > 3 and r[3]]
