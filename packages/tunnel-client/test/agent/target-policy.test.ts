import { expect } from 'chai';
import { isLoopback, TargetPolicy } from '../../src/agent/target-policy.js';

describe('device target policy', () => {
  it("serves only the device's own loopback by default", () => {
    const policy = new TargetPolicy([]);
    for (const host of ['127.0.0.1', 'localhost', 'LOCALHOST', '::1', '::ffff:127.0.0.1']) {
      expect(policy.allows(host, 22222), host).to.equal(true);
      expect(isLoopback(host), host).to.equal(true);
    }
    // Other 127/8 addresses stand in for other hosts (a LAN host in tests, a container): not the device.
    for (const host of ['127.0.0.2', '127.1.2.3', '192.168.1.23', 'printer.lan', '::2']) {
      expect(policy.allows(host, 22222), host).to.equal(false);
    }
  });

  it('serves other hosts only on the ports allowedTargets lists', () => {
    const policy = new TargetPolicy(['127.0.0.2:22222,8000-8100', '192.168.1.0/24:22', 'printer.lan:*']);
    expect(policy.allows('127.0.0.2', 22222)).to.equal(true);
    expect(policy.allows('127.0.0.2', 8050)).to.equal(true);
    expect(policy.allows('127.0.0.2', 22)).to.equal(false);
    expect(policy.allows('192.168.1.23', 22)).to.equal(true);
    expect(policy.allows('192.168.2.23', 22)).to.equal(false);
    expect(policy.allows('printer.lan', 631)).to.equal(true);
  });

  it('serves its own loopback on the localPorts it lists, when set, and says which setting refused', () => {
    const policy = new TargetPolicy(['127.0.0.2:8080'], '22222,48484,9000-9001');
    expect(policy.refusal('127.0.0.1', 22222)).to.equal(undefined);
    expect(policy.refusal('localhost', 9001)).to.equal(undefined);
    expect(policy.refusal('127.0.0.1', 8080)).to.equal('localPorts');
    expect(policy.refusal('::1', 5432)).to.equal('localPorts');
    expect(policy.refusal('127.0.0.2', 8080)).to.equal(undefined);
    expect(policy.refusal('127.0.0.2', 22222)).to.equal('allowedTargets');
    expect(() => new TargetPolicy([], '22,ssh')).to.throw(/localPorts: "ssh" is not a port/);
  });
});
