import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanup, CLIENT_CLI, run, SERVER_CLI, tempDir } from './support/processes.js';
import { runProgram } from './support/programs.js';

/** What bash offers after the words typed so far (the last one being completed). */
async function complete(script: string, fn: string, words: string[]): Promise<string[]> {
  const quoted = words.map((w) => `'${w}'`).join(' ');
  const r = await runProgram('bash', ['-c', `source '${script}' && COMP_WORDS=(${quoted}) && COMP_CWORD=${words.length - 1} && ${fn} && printf '%s\\n' "\${COMPREPLY[@]}"`]);
  expect(r.code, r.stderr).to.equal(0);
  expect(r.stderr).to.equal('');
  return r.stdout.split('\n').filter((l) => l !== '');
}

describe('shell completion', function () {
  this.timeout(60_000);
  after(cleanup);

  it('tunnel-client completion bash completes commands, subcommands and options, skipping arguments', async () => {
    const generated = await run(CLIENT_CLI, ['completion', 'bash']);
    expect(generated.code, generated.stderr).to.equal(0);
    const script = path.join(tempDir('tunnel-completion-'), 'tunnel-client.bash');
    writeFileSync(script, generated.stdout);
    expect(await complete(script, '_tunnel_client', ['tunnel-client', ''])).to.include.members(['agent', 'device', 'login', 'ssh', 'completion']);
    expect(await complete(script, '_tunnel_client', ['tunnel-client', 'device', 't'])).to.deep.equal(['tunnel']);
    expect(await complete(script, '_tunnel_client', ['tunnel-client', 'device', 'tunnel', 'pi-1', '--se'])).to.deep.equal(['--server']);
    expect(await complete(script, '_tunnel_client', ['tunnel-client', 'ssh', 'pi-1', '--loc'])).to.deep.equal(['--local-forward']);
  });

  it('tunnel-server completion bash, and zsh through bashcompinit; another shell is a usage error', async () => {
    const generated = await run(SERVER_CLI, ['completion', 'bash']);
    const script = path.join(tempDir('tunnel-completion-'), 'tunnel-server.bash');
    writeFileSync(script, generated.stdout);
    expect(await complete(script, '_tunnel_server', ['tunnel-server', 'de'])).to.deep.equal(['device']);
    expect(await complete(script, '_tunnel_server', ['tunnel-server', 'device', 'add', '--e'])).to.deep.equal(['--endpoint']);
    const zsh = await run(SERVER_CLI, ['completion', 'zsh']);
    expect(zsh.stdout).to.contain('bashcompinit').and.contain('complete -o default -F _tunnel_server tunnel-server');
    const fish = await run(SERVER_CLI, ['completion', 'fish']);
    expect(fish.code).to.equal(2);
    expect(fish.stderr).to.contain('use bash or zsh');
  });
});
