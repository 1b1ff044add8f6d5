import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { kubeanInputs } from '../../src/lab/kubean-inputs.js';
import { limitsToRaise } from '../../src/lab/host-limits.js';
import { isolationRules } from '../../src/lab/lab-network.js';
import { planLab } from '../../src/lab/lab-plan.js';
import { machineCreateArgs } from '../../src/lab/machine-container.js';
import { LabError } from '../../src/lab/lab-error.js';

// Pure builders: no machine is started, so these run in `npm test` too.

describe('planLab', () => {
  it('derives every name and address from the lab name, subnet slot and size', () => {
    const p = planLab('lab', 7, 3);
    assert.deepEqual(
      { subnet: p.subnet, host: p.hostAddress, bridge: p.bridge },
      { subnet: '10.251.7.0/24', host: '10.251.7.1', bridge: 'slw-lab' },
    );
    assert.deepEqual(p.machines.map((m) => [m.name, m.address, m.container, m.netns, m.hostVeth, m.varVolume]), [
      ['lab-node1', '10.251.7.11', 'slipway-lab-lab-node1', 'slipway-lab-lab-node1', 'slw1-lab', 'slipway-lab-lab-node1-var'],
      ['lab-node2', '10.251.7.12', 'slipway-lab-lab-node2', 'slipway-lab-lab-node2', 'slw2-lab', 'slipway-lab-lab-node2-var'],
      ['lab-node3', '10.251.7.13', 'slipway-lab-lab-node3', 'slipway-lab-lab-node3', 'slw3-lab', 'slipway-lab-lab-node3-var'],
    ]);
  });

  it('keeps interface names within 15 characters at the limits', () => {
    const p = planLab('abcdefgh', 254, 40);
    for (const name of [p.bridge, ...p.machines.map((m) => m.hostVeth)]) assert.ok(name.length <= 15, name);
  });

  for (const [name, slot, count, why] of [
    ['Lab', 1, 3, /lower-case/],
    ['a-b', 1, 3, /lower-case/],
    ['toolongname', 1, 3, /1 to 8/],
    ['lab', 0, 3, /slot 0/],
    ['lab', 1, 0, /from 1 to 40/],
    ['lab', 1, 41, /from 1 to 40/],
  ] as const) {
    it(`refuses ${name} slot ${slot} × ${count}`, () => {
      assert.throws(() => planLab(name, slot, count), (e: unknown) => e instanceof LabError && why.test(e.message));
    });
  }
});

describe('isolationRules', () => {
  it('drops whatever would be forwarded into or out of the bridge, not what stays on it', () => {
    assert.deepEqual(isolationRules(planLab('lab', 1, 1)), [
      ['FORWARD', '-i', 'slw-lab', '!', '-o', 'slw-lab', '-m', 'comment', '--comment', 'slipway-lab lab', '-j', 'DROP'],
      ['FORWARD', '-o', 'slw-lab', '!', '-i', 'slw-lab', '-m', 'comment', '--comment', 'slipway-lab lab', '-j', 'DROP'],
    ]);
  });
});

describe('machineCreateArgs', () => {
  const args = machineCreateArgs(planLab('lab', 1, 2), planLab('lab', 1, 2).machines[1]!, 'localhost/slipway/lab-machine:k', { nofile: 20000, nproc: 32768 });
  const after = (flag: string) => args.filter((_, i) => args[i - 1] === flag);

  it('boots systemd as PID 1 in a privileged container with its own cgroup namespace, network and /var', () => {
    assert.ok(args.includes('--privileged') && args.includes('--cgroupns=private') && args.includes('--systemd=false'));
    assert.deepEqual(after('--entrypoint'), ['/usr/local/sbin/slipway-lab-boot']);
    assert.deepEqual(after('--network'), ['ns:/run/netns/slipway-lab-lab-node2']);
    assert.deepEqual(after('--hostname'), ['lab-node2']);
    assert.deepEqual(after('--volume'), ['slipway-lab-lab-node2-var:/var:rw,suid,exec,dev']);
    assert.deepEqual(after('--tmpfs').map((t) => t.split(':')[0]), ['/tmp', '/run', '/run/lock']);
    assert.deepEqual(after('--ulimit'), ['nofile=20000:20000', 'nproc=32768:32768']);
    assert.deepEqual(after('--env'), ['container=podman', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin']);
    assert.equal(args.at(-1), 'localhost/slipway/lab-machine:k');
  });
});

describe('kubeanInputs', () => {
  const files = kubeanInputs({ plan: planLab('lab', 3, 3), privateKey: 'KEY\n', knownHosts: 'KH\n', kubeVersion: 'v1.34.4' });
  // Parsed YAML, read by the paths the assertions name.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const byName = Object.fromEntries(files.map((f) => [f.name, parse(f.text) as Record<string, any>]));

  it('puts the first machine in kube_control_plane and etcd, the rest in kube_node', () => {
    const hosts = parse(byName['hosts-conf.yml']!.data['hosts.yml']);
    assert.deepEqual(Object.keys(hosts.all.hosts), ['lab-node1', 'lab-node2', 'lab-node3']);
    assert.deepEqual(hosts.all.hosts['lab-node2'], { ip: '10.251.3.12', access_ip: '10.251.3.12', ansible_host: '10.251.3.12', ansible_user: 'root' });
    assert.deepEqual(Object.keys(hosts.all.children.kube_control_plane.hosts), ['lab-node1']);
    assert.deepEqual(Object.keys(hosts.all.children.etcd.hosts), ['lab-node1']);
    assert.deepEqual(Object.keys(hosts.all.children.kube_node.hosts), ['lab-node2', 'lab-node3']);
    assert.deepEqual(Object.keys(hosts.all.children.k8s_cluster.children), ['kube_control_plane', 'kube_node']);
  });

  it('points files_repo and registry_host at the bundle on the host\'s bridge address', () => {
    const vars = parse(byName['vars-conf.yml']!.data['group_vars.yml']);
    assert.equal(vars.files_repo, 'http://10.251.3.1:8080');
    assert.equal(vars.registry_host, '10.251.3.1:5000');
    assert.equal(vars.kube_image_repo, '10.251.3.1:5000/registry.k8s.io');
    assert.equal(vars.container_manager, 'containerd');
    assert.equal(vars.kube_version, 'v1.34.4');
  });

  it('references one Cluster, its ConfigMaps and Secret, and runs ping.yml then cluster-info.yml', () => {
    const cluster = byName['cluster.yml']!;
    assert.deepEqual(cluster.spec.sshAuthRef, { name: 'lab-ssh-auth', namespace: 'kubean-system' });
    assert.equal(byName['ssh-auth.yml']!.stringData['ssh-privatekey'], 'KEY\n');
    assert.equal(files.find((f) => f.name === 'ssh-auth.yml')!.secret, true);
    const op = byName['operation.yml']!.spec;
    assert.deepEqual([op.cluster, op.preHook[0].action, op.action], ['lab', 'ping.yml', 'cluster-info.yml']);
  });
});

describe('host limits a lab raises', () => {
  it('raises only what is below the minimum, never lowers', () => {
    assert.deepEqual(limitsToRaise({ 'fs.inotify.max_user_instances': '128', 'fs.inotify.max_user_watches': '1048576' }), { 'fs.inotify.max_user_instances': 8192 });
    assert.deepEqual(limitsToRaise({ 'fs.inotify.max_user_instances': '9000', 'fs.inotify.max_user_watches': '524288' }), {});
  });
});
