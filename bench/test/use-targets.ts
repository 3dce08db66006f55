import { after, before } from 'node:test';
import { startTargets, type RunningTargets, type TargetEndpoints } from '../src/targets/launch.js';

/**
 * The target process for the enclosing describe block: started before its tests, stopped after
 * them. The endpoints are read on use, once before() has run.
 */
export function useTargets(): { readonly endpoints: TargetEndpoints } {
  let targets: RunningTargets | undefined;
  before(async () => {
    targets = await startTargets();
  });
  after(async () => {
    await targets?.stop();
  });
  return {
    get endpoints(): TargetEndpoints {
      if (!targets) throw new Error('the targets are read before they started: use them inside a test');
      return targets.endpoints;
    },
  };
}
