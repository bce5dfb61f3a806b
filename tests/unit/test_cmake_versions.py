"""CMake takes the Wireshark version from the Wireshark it finds, and nothing else.

A fake WiresharkConfig.cmake stands in for a Wireshark we cannot install here: older than 4.0
must stop the configure step with a message naming the supported versions; newer than the last
tested one (4.6) must configure with a warning that it is untested; a tested one must configure
silently, with the plugin folder named after it.
"""
import os
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def fake_wireshark(tmp_path, version):
    major, minor, patch = version.split('.')
    d = tmp_path / ('ws-' + version)
    d.mkdir()
    (d / 'WiresharkConfig.cmake').write_text(
        'set(Wireshark_MAJOR_VERSION %s)\nset(Wireshark_MINOR_VERSION %s)\n'
        'set(Wireshark_PATCH_VERSION %s)\nset(Wireshark_VERSION "%s")\n'
        'set(Wireshark_PLUGINS_ENABLED 1)\n'
        'set(Wireshark_PLUGIN_INSTALL_DIR "/usr/lib/fake/wireshark/plugins/%s.%s")\n'
        % (major, minor, patch, version, major, minor))
    (d / 'WiresharkConfigVersion.cmake').write_text(
        'set(PACKAGE_VERSION "%s")\nset(PACKAGE_VERSION_COMPATIBLE TRUE)\n' % version)
    return str(d)


def configure(tmp_path, version):
    build = tmp_path / ('build-' + version)
    return subprocess.run(['cmake', '-S', ROOT, '-B', str(build),
                           '-DWireshark_DIR=' + fake_wireshark(tmp_path, version)],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True), build


def test_older_than_4_0_stops_with_the_supported_versions(tmp_path):
    p, _ = configure(tmp_path, '3.6.24')
    assert p.returncode != 0
    assert 'Wireshark 3.6.24 is too old' in p.stdout, p.stdout
    assert '4.0, 4.4, 4.6' in p.stdout, p.stdout


@pytest.mark.parametrize('version', ['4.8.1', '5.0.0'])
def test_newer_than_tested_configures_with_a_warning(tmp_path, version):
    p, build = configure(tmp_path, version)
    assert p.returncode == 0, p.stdout[-3000:]
    assert 'is not one of the versions cmrp is tested' in p.stdout, p.stdout
    minor = '.'.join(version.split('.')[:2])
    assert 'plugin folder plugins/%s/epan' % minor in p.stdout
    assert (build / 'cmrp-wireshark-version').read_text().strip() == version


@pytest.mark.parametrize('version', ['4.0.17', '4.4.19', '4.6.9'])
def test_tested_versions_configure_without_warning(tmp_path, version):
    p, build = configure(tmp_path, version)
    assert p.returncode == 0, p.stdout[-3000:]
    assert 'Warning' not in p.stdout, p.stdout
    assert 'plugin folder plugins/%s/epan' % version.rsplit('.', 1)[0] in p.stdout
    cache = (build / 'CMakeCache.txt').read_text()
    assert 'CMRP_INSTALL_DIR:PATH=/usr/lib/fake/wireshark/plugins/%s/epan' \
        % version.rsplit('.', 1)[0] in cache
