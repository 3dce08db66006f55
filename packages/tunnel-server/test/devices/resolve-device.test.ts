import { expect } from 'chai';
import { errorCode } from '@tunnel/protocol/errors';
import { DeviceRefError, resolveDevice } from '../../src/devices/resolve-device.js';
import { useRegistry } from '../registry/helpers.js';

describe('resolving what people type to one device', () => {
  const fx = useRegistry();
  const key = 'k'.repeat(43);

  async function refusal(ref: string): Promise<DeviceRefError> {
    try {
      await resolveDevice(fx.registry, ref);
    } catch (err) {
      return err as DeviceRefError;
    }
    throw new Error(`"${ref}" resolved`);
  }

  beforeEach(async () => {
    await fx.registry.devices.create({ uuid: '3f2a9c1e' + '0'.repeat(24), name: 'pi-1', authPublicKey: key });
    await fx.registry.devices.create({ uuid: '3f2a9c1f' + '0'.repeat(24), name: 'pi-2', authPublicKey: key });
    await fx.registry.devices.create({ uuid: 'aaaaaaaa' + '0'.repeat(24), name: 'gateway', authPublicKey: key });
  });

  it('takes a full uuid, a unique prefix or a name', async () => {
    expect((await resolveDevice(fx.registry, '3f2a9c1e' + '0'.repeat(24))).name).to.equal('pi-1');
    expect((await resolveDevice(fx.registry, '3F2A9C1F')).name).to.equal('pi-2');
    expect((await resolveDevice(fx.registry, 'aaaaaaa')).name).to.equal('gateway');
    expect((await resolveDevice(fx.registry, 'gateway')).uuid).to.match(/^a{8}/);
  });

  it('lists the candidates of an ambiguous prefix', async () => {
    const err = await refusal('3f2a9c1');
    expect(errorCode(err)).to.equal('ERR_AMBIGUOUS_DEVICE');
    expect(err.message).to.contain('matches 2 devices').and.contain('(pi-1)').and.contain('(pi-2)');
    expect(err.candidates.map((d) => d.name)).to.deep.equal(['pi-1', 'pi-2']);
  });

  it('says when nothing matches, and that short prefixes are not looked up', async () => {
    expect(errorCode(await refusal('nosuch'))).to.equal('ERR_UNKNOWN_DEVICE');
    expect((await refusal('aaaaaa')).message).to.contain('needs at least 7 characters');
  });
});
