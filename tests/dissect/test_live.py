"""Live: tshark with the plugin captures on lo, filtered to the mock's port, while smbtorture runs.

tshark runs as an unprivileged user (so it honours WIRESHARK_PLUGIN_DIR) with the ambient
capabilities dumpcap needs to capture (CAP_NET_RAW, CAP_NET_ADMIN).
"""
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from conftest import PLUGIN_DIR, ROOT

PEER = os.path.join(ROOT, 'tests', 'peer')
# dumpcap's "Capture started." (4.0) or tshark's "Capturing on 'Loopback: lo'" (all versions)
READY = re.compile(r"Capture started|Capturing on ")


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
        # Wait (bounded) until tshark says it captures. stderr is read by a thread, so a tshark
        # that never says so (or says it differently) cannot block the test.
        lines, outq = queue.Queue(), queue.Queue()
        readers = [threading.Thread(target=lambda q=q, f=f: [q.put(l) for l in iter(f.readline, '')],
                                    daemon=True)
                   for q, f in ((lines, cap.stderr), (outq, cap.stdout))]
        for r in readers:
            r.start()
        deadline = time.time() + 60
        started = ''
        while time.time() < deadline and not READY.search(started):
            try:
                started += lines.get(timeout=max(0.1, deadline - time.time()))
            except queue.Empty:
                break
            if cap.poll() is not None:
                break
        assert READY.search(started), 'tshark did not start capturing: %r' % started[-2000:]
        run = subprocess.run(['smbtorture', 'ncacn_ip_tcp:127.0.0.1[%d]' % port, '-U%',
                              'rpc.clusapi.cluster', 'rpc.clusapi.resource'],
                             capture_output=True, text=True, timeout=300)
        assert 'failure' not in run.stdout.lower(), run.stdout[-2000:]
        time.sleep(1.0)
        cap.send_signal(signal.SIGINT)
        cap.wait(timeout=60)
        for r in readers:
            r.join(timeout=10)
        out = ''.join(outq.queue)
        err = started + ''.join(lines.queue)
    finally:
        if cap and cap.poll() is None:
            cap.kill()
        mock.terminate()
        mock.wait(timeout=30)
    rows = [line.split('\t') for line in out.splitlines() if line.strip()]
    infos = [r[1] for r in rows]
    assert len(rows) > 100, err[-2000:]
    assert 'ApiOpenCluster response "Cluster"' in infos   # the new handle's object
    assert 'ApiCloseCluster request "Cluster"' in infos
    assert any(i.startswith('ApiOpenResource request "') for i in infos)
    assert any(i.startswith('ApiOnlineResource request "') for i in infos)
    # every request got its response, and nothing was malformed
    requests = [i for i in infos if ' request' in i]
    responses = [i for i in infos if ' response' in i]
    assert len(requests) == len(responses)
    assert not [r for r in rows if len(r) > 3 and r[3]]
