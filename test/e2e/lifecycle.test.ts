import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { execa } from 'execa';
import { resolveHelmBinary, resolveKubeBinaries } from '../env/kube-binaries.js';
import { LabSsh, REPO, parseUp, randomLabName, slipway, type UpOutput } from '../lab/lab-harness.js';
import { crossNodeCheck, LocalKubectl, nodes, operationDiagnosis, RemoteKubectl, runOperation, waitForNodes, type OperationOutcome } from './e2e-cluster.js';
import { changesByHost, describeChanges, jobOutput, type HostChanges } from './e2e-changes.js';
import { visitConsole } from './e2e-console.js';
import { clientPod, clusterManifests, echoWorkload, holdingPlaybook, operationManifest, playbooksConfigMap, readLabInputs, type ClusterShape, type LabInputs, type Machine } from './e2e-manifests.js';
import { e2eSkip, recordNote, recordTiming, writeTimings } from './e2e-timings.js';
import { clusterStatus, operation, operationObjects, processesOn, waitFor } from './e2e-watch.js';
import { restoreDrill } from './e2e-restore.js';

/**
 * The whole life of clusters on lab machines with the offline bundle, asserted with real
 * kubectl. Machines 1–2 become the management cluster (installed by `slipway run`), which then
 * runs the Helm chart's controller; machines 3–8 are the managed cluster, whose every operation
 * is a ClusterOperation applied with kubectl and run by that controller as a real Job pod.
 * A separate managed cluster rather than self-management: a cluster cannot reset itself, and an
 * upgrade drains the very node a self-managing Job would run on.
 */

const CONTROLLER_NAMESPACE = 'slipway-system';
const UPGRADE_FROM = 'v1.34.4';
const UPGRADE_TO = 'v1.35.4';
/** Scenarios from this number on are skipped (to iterate on the earlier ones). */
const STOP_AT = process.env.SLIPWAY_E2E_STOP_AT ? Number(process.env.SLIPWAY_E2E_STOP_AT) : undefined;
/** The controller looks at managed clusters this often (seconds): a stopped kubelet shows soon. */
const OBSERVE_INTERVAL = 10;
/** The command the held hosts run (a ConfigMap playbook), looked for with ps. */
const HOLD_SECONDS = 901;
/** The tasks delegated to the first control plane that a host's join needs (roles/kubeadm_join_material). */
const JOIN_MATERIAL = /^kubeadm_join_material : (Create a bootstrap token|Upload the control plane's certificates under a new key) \(delegated from /;
/** What a stopped operation must not leave running, on the management nodes and the managed hosts. */
const RUN_TRACES = `ansible|AnsiballZ|slipway-hangup|python|sleep ${HOLD_SECONDS}`;

describe('cluster lifecycle on lab machines', { skip: e2eSkip(), concurrency: false }, () => {
  const lab = randomLabName();
  let stateRoot = '';
  let serveState = '';
  let work = '';
  let up: UpOutput;
  let ssh: LabSsh;
  let inputs: LabInputs;
  let m: Machine[] = [];
  let mgmt: LocalKubectl;
  let target: RemoteKubectl;
  let nginxImage = '';
  /** Set by a failed step: the steps after it depend on it and are skipped. */
  let broken = '';

  /** A step the later ones build on (`independent`: one whose failure leaves them their clusters as they need them). */
  const step = (name: string, fn: (t: TestContext) => Promise<void>, independent = false) =>
    it(name, async (t) => {
      if (broken) return t.skip(`an earlier step failed: ${broken}`);
      if (STOP_AT !== undefined && Number(/^\d+/.exec(name)?.[0]) >= STOP_AT) return t.skip(`SLIPWAY_E2E_STOP_AT=${STOP_AT}`);
      const start = performance.now();
      try {
        await fn(t);
      } catch (err) {
        if (!independent) broken = name;
        throw err;
      } finally {
        recordTiming(name, (performance.now() - start) / 1000);
      }
    });
  const check = (name: string, fn: (t: TestContext) => Promise<void>) => step(name, fn, true);

  before(async () => {
    stateRoot = await mkdtemp(join(tmpdir(), 'slipway-e2e-state-'));
    serveState = await mkdtemp(join(tmpdir(), 'slipway-e2e-serve-'));
    work = await mkdtemp(join(tmpdir(), 'slipway-e2e-work-'));
    const r = await slipway(['lab', 'up', '--name', lab, '--machines', '8', '--kube-version', UPGRADE_FROM], stateRoot);
    assert.equal(r.exitCode, 0, r.stderr);
    up = parseUp(r.stdout);
    const serve = await slipway(['bundle', 'serve', '--extra-address', up.hostAddress, '--state-dir', serveState], stateRoot);
    assert.equal(serve.exitCode, 0, serve.stderr);
    ssh = await LabSsh.fromInputs(up.inputsDir);
    inputs = readLabInputs(await readFile(join(up.inputsDir, 'vars-conf.yml'), 'utf8'), await readFile(join(up.inputsDir, 'ssh-auth.yml'), 'utf8'));
    m = up.machines;
    nginxImage = `${up.hostAddress}:5000/docker.io/library/nginx:1.22.1`;
  });

  after(async () => {
    await writeTimings();
    if (process.env.SLIPWAY_E2E_KEEP) return;
    await slipway(['bundle', 'serve', '--stop', '--state-dir', serveState], stateRoot);
    await slipway(['lab', 'down', '--name', lab], stateRoot);
    for (const d of [stateRoot, serveState, work]) await rm(d, { recursive: true, force: true });
  });

  const mgmtShape = (): ClusterShape => ({ name: 'mgmt', controlPlanes: [m[0]!], workers: [m[1]!] });
  const names = (ms: Machine[]) => ms.map((x) => x.name).sort();
  /**
   * The phase the operation left after its running phase. Not simply the last one seen: the
   * controller looks at the cluster every OBSERVE_INTERVAL, and may find a node that just joined
   * with its DaemonSet pods not ready yet (Abnormal for a moment, which 5c's wait sees pass).
   */
  const phaseLeft = (outcome: OperationOutcome, running: string): string[] => outcome.phases.slice(outcome.phases.lastIndexOf(running), outcome.phases.lastIndexOf(running) + 2);
  const expectOk = async (outcome: OperationOutcome, name: string) => {
    if (outcome.status !== 'Succeeded') assert.fail(`${name} ended ${outcome.status}: ${outcome.message}\n${await operationDiagnosis(mgmt, name, CONTROLLER_NAMESPACE)}`);
  };

  step('1. slipway run installs 1 control plane + 1 worker: nodes Ready, CoreDNS ready, pod-to-pod across nodes and a Service answer', async (t) => {
    const dir = join(work, 'mgmt');
    await mkdir(dir);
    await writeFile(join(dir, 'cluster.yml'), clusterManifests(mgmtShape(), inputs));
    await writeFile(join(dir, 'operation.yml'), operationManifest('mgmt-install', 'mgmt', { action: 'cluster.yml', preHook: [{ action: 'ping.yml' }] }));
    const kubeconfig = join(work, 'mgmt.kubeconfig');
    const r = await slipway(['run', '-f', dir, '--kubeconfig-out', kubeconfig, '--log-dir', join(work, 'logs')], stateRoot, 1_800_000);
    t.diagnostic(`slipway run cluster.yml: ${r.seconds.toFixed(0)} s`);
    assert.equal(r.exitCode, 0, r.stdout.slice(-4000) + r.stderr);
    assert.match(r.stdout, /Cluster mgmt: phase Healthy/);
    mgmt = new LocalKubectl(resolveKubeBinaries().kubectl, kubeconfig);
    await waitForNodes(mgmt, names(m.slice(0, 2)));
    await mgmt.ok(['-n', 'kube-system', 'rollout', 'status', 'deployment/coredns', '--timeout=300s']);
    await mgmt.apply(echoWorkload(nginxImage));
    const log = await crossNodeCheck(mgmt, m[1]!.name, (ip) => clientPod('client', m[1]!.name, nginxImage, [`${ip}:80`, 'echo.default.svc.cluster.local:80']), 'client');
    assert.equal(log.match(/echo from echo/g)?.length, 2, `pod IP and Service both answered:\n${log}`);
    // crictl from the bundle, pointed at containerd by /etc/crictl.yaml.
    const ps = await ssh.run(m[0]!.address, 'crictl ps --name kube-apiserver --state running --quiet');
    assert.match(ps.stdout, /^[0-9a-f]{12,}$/m, `crictl ps lists the running kube-apiserver:\n${ps.stdout}${ps.stderr}`);
  });

  // The etcd restore drill (restore-etcd.yml) on the management cluster, before the controller
  // runs there: slipway run takes the backup and restores it (test/e2e/e2e-restore.ts).
  step('1a. etcd restore: backup, a marker before and after it, etcd\'s data destroyed, restore-etcd.yml (refused unconfirmed): the first marker back, the second not, nodes Ready', async (t) => {
    const drillRun = async (name: string, action: string, extraArgs?: string) => {
      const dir = join(work, name);
      await mkdir(dir);
      await writeFile(join(dir, 'cluster.yml'), clusterManifests(mgmtShape(), inputs));
      await writeFile(join(dir, 'operation.yml'), operationManifest(name, 'mgmt', { action, ...(extraArgs ? { extraArgs } : {}) }));
      const r = await slipway(['run', '-f', dir, '--log-dir', join(work, 'logs')], stateRoot, 900_000);
      return { ok: r.exitCode === 0, output: r.stdout + r.stderr };
    };
    await restoreDrill({ kubectl: mgmt, ssh, controlPlanes: [m[0]!], nodeNames: names(m.slice(0, 2)), run: drillRun }, (n) => {
      t.diagnostic(n);
      recordNote(n);
    });
  });

  step('2. the management cluster runs the Helm chart\'s controller with images from the bundle, and its console signs a user in', async () => {
    const helm = resolveHelmBinary();
    await mgmt.ok(['create', 'namespace', 'kubean-system']);
    const r = await execa(helm, [
      'install', 'slipway', join(REPO, 'charts', 'slipway'), '--kubeconfig', mgmt.kubeconfig,
      '-n', CONTROLLER_NAMESPACE, '--create-namespace', '--wait', '--timeout', '10m',
      '--set', `imageRegistry=${up.hostAddress}:5000`,
      '--set', 'redis.bundled.persistence.enabled=false',
      '--set', `controller.observeInterval=${OBSERVE_INTERVAL}`,
      '--set', 'console.enabled=true',
    ], { reject: false });
    assert.equal(r.exitCode, 0, `${r.stdout}\n${r.stderr}\n${(await mgmt.run(['-n', CONTROLLER_NAMESPACE, 'get', 'pods', '-o', 'wide'])).stdout}`);
    const pods = await mgmt.ok(['-n', CONTROLLER_NAMESPACE, 'get', 'pods', '-o', 'jsonpath={range .items[*]}{.metadata.name} {.status.phase}{"\\n"}{end}']);
    assert.equal(pods.split("\n").filter((l) => /^slipway-[a-z0-9]+-[a-z0-9]+ Running$/.test(l)).length, 2, `two controller replicas run:\n${pods}`);
    // The console as the README opens it: kubectl port-forward to its Service, a token to sign in.
    await mgmt.ok(['-n', CONTROLLER_NAMESPACE, 'create', 'serviceaccount', 'console-e2e']);
    const token = (await mgmt.ok(['-n', CONTROLLER_NAMESPACE, 'create', 'token', 'console-e2e'])).trim();
    const visit = await visitConsole(mgmt, CONTROLLER_NAMESPACE, 'slipway-console', token);
    assert.match(visit.page, /<slipway-app>/, 'the console serves its page');
    assert.equal(visit.user, `system:serviceaccount:${CONTROLLER_NAMESPACE}:console-e2e`, 'the console reviewed the token with its own rights');
  });

  const targetShape = (controlPlanes: Machine[], workers: Machine[]): ClusterShape => ({ name: 'target', controlPlanes, workers });
  const apply = async (operation: string, shape: ClusterShape, spec: Parameters<typeof operationManifest>[2], vars: Record<string, unknown> = {}) => {
    await mgmt.apply(clusterManifests(shape, inputs, vars));
    return runOperation(mgmt, operationManifest(operation, 'target', spec), operation, 'target', CONTROLLER_NAMESPACE);
  };

  const changesOf = async (name: string): Promise<Map<string, HostChanges>> => changesByHost(await jobOutput(mgmt, name, CONTROLLER_NAMESPACE));
  /** A task changed on the host, by its name or (a delegated task) its address. */
  const changedTasks = (changes: Map<string, HostChanges>, x: Machine): string[] => [...(changes.get(x.name)?.tasks ?? []), ...(changes.get(x.address)?.tasks ?? [])];
  /** Seconds of the scale-out operations, by the node count before. */
  const scaleOutSeconds = new Map<number, number>();

  /**
   * Only the added node changed: the others are not in the scale-out's --limit, so they are in no
   * recap, and of the tasks delegated to them only the join material the new node needs (a
   * bootstrap token from the first control plane) changed something.
   */
  const assertOnlyAddedChanged = async (name: string, added: Machine, others: Machine[]): Promise<string> => {
    const changes = await changesOf(name);
    const report = describeChanges(changes);
    assert.ok((changes.get(added.name)?.changed ?? 0) > 0, `${added.name} was set up by the scale-out:\n${report}`);
    for (const o of others) {
      assert.equal(changes.get(o.name)?.changed ?? 0, 0, `${o.name} unchanged by the scale-out:\n${report}`);
      assert.deepEqual(changedTasks(changes, o).filter((task) => !JOIN_MATERIAL.test(task)), [], `no task delegated to ${o.name} changed but the join material:\n${report}`);
    }
    return report;
  };

  step('3. a ClusterOperation installs the managed cluster as a Job pod: Installing → Healthy', async (t) => {
    const shape = targetShape([m[2]!], [m[3]!]);
    const outcome = await apply('target-install', shape, { action: 'cluster.yml', preHook: [{ action: 'ping.yml' }] });
    t.diagnostic(`install: ${outcome.seconds.toFixed(0)} s, phases ${outcome.phases.join(' → ')}`);
    await expectOk(outcome, 'target-install');
    assert.deepEqual(phaseLeft(outcome, 'Installing'), ['Installing', 'Healthy'], outcome.phases.join(' → '));
    const jobs = await mgmt.ok(['-n', CONTROLLER_NAMESPACE, 'get', 'jobs', '-l', 'slipway.io/operation=target-install', '-o', 'name']);
    assert.equal(jobs.trim().split('\n').length, 1, 'one Job ran it');
    target = new RemoteKubectl(ssh, m[2]!.address);
    await waitForNodes(target, names([m[2]!, m[3]!]));
    await target.apply(echoWorkload(nginxImage));
    await target.ok(['rollout', 'status', 'deployment/echo', '--timeout=180s']);
  });

  check('3a. a second cluster.yml on the installed cluster changes nothing: changed=0 on every host', async (t) => {
    const outcome = await apply('target-install-again', targetShape([m[2]!], [m[3]!]), { action: 'cluster.yml' });
    t.diagnostic(`second cluster.yml: ${outcome.seconds.toFixed(0)} s, phases ${outcome.phases.join(' → ')}`);
    await expectOk(outcome, 'target-install-again');
    recordNote(`second cluster.yml on the installed 2-node cluster: ${outcome.seconds.toFixed(0)} s`);
    const changes = await changesOf('target-install-again');
    const report = describeChanges(changes);
    t.diagnostic(report);
    assert.deepEqual([...changes.keys()].filter((h) => names(m).includes(h)).sort(), names([m[2]!, m[3]!]), `both hosts in the recaps:\n${report}`);
    assert.deepEqual([...changes.entries()].filter(([, c]) => c.changed > 0 || c.tasks.length > 0).map(([h]) => h), [], `nothing changed:\n${report}`);
  });

  check('3b. cancel in Job mode: slipway cancel of a running operation ends it Cancelled, its Job and pod gone, nothing of it running on the management nodes or the hosts', async (t) => {
    const name = 'target-hold';
    const machines = [m[0]!, m[1]!, m[2]!, m[3]!];
    const pid = (line: string) => line.split(/\s+/)[0];
    const before = new Map(await Promise.all(machines.map(async (x) => [x.name, new Set((await processesOn(ssh, x.address, RUN_TRACES)).map(pid))] as const)));
    /** Processes like a run's that were not there before it. */
    const newTraces = async () => (await Promise.all(machines.map(async (x) => (await processesOn(ssh, x.address, RUN_TRACES)).filter((l) => !before.get(x.name)!.has(pid(l))).map((l) => `${x.name}: ${l}`)))).flat();
    await mgmt.apply(playbooksConfigMap('target-playbooks', { 'hold.yml': holdingPlaybook(HOLD_SECONDS) }));
    await mgmt.apply(operationManifest(name, 'target', { action: 'hold.yml', actionConfigMap: 'target-playbooks' }));
    t.after(async () => {
      // Failed before it ended: its deletion stops it, so the later steps do not queue behind it.
      const status = (await operation(mgmt, name))?.status?.status ?? '';
      if (!['Cancelled', 'Succeeded', 'Failed'].includes(status)) await mgmt.run(['delete', 'clusteroperation', name, '--timeout=180s']);
    });
    let seen = '';
    await waitFor('the hold task running on both hosts', async () => {
      const op = await operation(mgmt, name);
      seen = JSON.stringify(op?.status ?? {});
      if (op?.status?.status !== 'Running') return undefined;
      const held = await Promise.all([m[2]!, m[3]!].map((x) => processesOn(ssh, x.address, `^ *[0-9]+ sleep ${HOLD_SECONDS}$`)));
      return held.every((p) => p.length > 0) ? true : undefined;
    }, 240_000, () => seen);
    assert.equal((await operationObjects(mgmt, name, 'pods', CONTROLLER_NAMESPACE)).length, 1, 'its Job\'s pod runs');
    // Job mode is not a black box: the controller follows the pod's log into status.progress and the kept log.
    const progress = await waitFor('status.progress names the running task', async () => {
      const p = (await operation(mgmt, name))?.status?.progress;
      seen = JSON.stringify(p ?? {});
      return p?.task === 'hold' ? p : undefined;
    }, 60_000, () => seen);
    t.diagnostic(`progress while it runs: ${progress.summary ?? ''}`);
    const kept = await slipway(['logs', name, '--kubeconfig', mgmt.kubeconfig], stateRoot);
    assert.equal(kept.exitCode, 0, kept.stderr);
    assert.match(kept.stdout, /TASK \[hold\]/, `the kept log shows the running task:\n${kept.stdout.slice(-2000)}`);
    const running = await newTraces();
    assert.ok(running.some((l) => /ansible-playbook/.test(l)), `ansible-playbook runs on a management node:\n${running.join('\n')}`);

    const start = performance.now();
    const r = await slipway(['cancel', name, '--kubeconfig', mgmt.kubeconfig], stateRoot);
    assert.equal(r.exitCode, 0, r.stderr);
    const done = await waitFor(`${name} ended`, async () => {
      const op = await operation(mgmt, name);
      seen = JSON.stringify(op?.status ?? {});
      return ['Cancelled', 'Succeeded', 'Failed'].includes(op?.status?.status ?? '') ? op : undefined;
    }, 180_000, () => seen, 1_000);
    const seconds = (performance.now() - start) / 1000;
    t.diagnostic(`Cancelled ${seconds.toFixed(1)} s after slipway cancel`);
    assert.equal(done.status?.status, 'Cancelled', `${JSON.stringify(done.status)}\n${await operationDiagnosis(mgmt, name, CONTROLLER_NAMESPACE)}`);
    assert.match(done.status?.message ?? '', /cancelled on request/);
    assert.deepEqual(await operationObjects(mgmt, name, 'jobs,pods', CONTROLLER_NAMESPACE), [], 'its Job and pod are gone once it is Cancelled');
    let left: string[] = [];
    const leftAt = performance.now();
    await waitFor('nothing of the run left on the management nodes and the hosts', async () => {
      left = await newTraces();
      return left.length === 0 ? true : undefined;
    }, 30_000, () => left.join('\n'), 1_000);
    recordNote(`cancel in Job mode: Cancelled ${seconds.toFixed(1)} s after slipway cancel, its processes gone ${((performance.now() - leftAt) / 1000).toFixed(1)} s later`);
  });

  step('4. scale out one worker (scale.yml --limit): Scaling Out → Healthy, 3 nodes Ready', async (t) => {
    const outcome = await apply('target-scale-out', targetShape([m[2]!], [m[3]!, m[4]!]), { action: 'scale.yml', extraArgs: `--limit=${m[4]!.name}` });
    t.diagnostic(`scale out: ${outcome.seconds.toFixed(0)} s, phases ${outcome.phases.join(' → ')}`);
    await expectOk(outcome, 'target-scale-out');
    assert.deepEqual(phaseLeft(outcome, 'Scaling Out'), ['Scaling Out', 'Healthy'], outcome.phases.join(' → '));
    await waitForNodes(target, names([m[2]!, m[3]!, m[4]!]));
    scaleOutSeconds.set(2, outcome.seconds);
    recordNote(`scale-out of one worker, 2 → 3 nodes: ${outcome.seconds.toFixed(0)} s`);
  });

  check('4a. that scale-out changed the new node only', async (t) => {
    t.diagnostic(await assertOnlyAddedChanged('target-scale-out', m[4]!, [m[2]!, m[3]!]));
  });

  step('5. grow the control plane to 3 (kubean addControlPlane): etcd backup first, 3 etcd members, workers\' nginx-proxy restarted, apiserver reachable through each proxy without the first control plane', async (t) => {
    const cps = [m[2]!, m[5]!, m[6]!];
    const limit = '--limit=etcd,kube_control_plane -e ignore_assert_errors=true';
    const outcome = await apply('target-add-cp', targetShape(cps, [m[3]!, m[4]!]), {
      action: 'cluster.yml', extraArgs: limit, postHook: [{ action: 'upgrade-cluster.yml', extraArgs: limit }],
    });
    t.diagnostic(`grow control plane: ${outcome.seconds.toFixed(0)} s, phases ${outcome.phases.join(' → ')}, steps ${outcome.steps.map((s) => s.name).join(' | ')}`);
    await expectOk(outcome, 'target-add-cp');
    assert.ok(outcome.steps.some((s) => /restart-nginx-proxy\.yml/.test(s.name ?? '') && s.status === 'Succeeded'), 'the nginx-proxy restart ran as a step of the operation');
    const backups = await ssh.run(m[2]!.address, 'ls /var/backups/slipway-etcd');
    assert.match(backups.stdout, /snapshot-.*\.db/, 'an etcd snapshot was taken');
    await waitForNodes(target, names([...cps, m[3]!, m[4]!]));
    const members = await etcdMembers(target, m[2]!.name);
    assert.deepEqual(members.sort(), names(cps));
    // The first control plane's apiserver stops; every worker still reaches an apiserver.
    const stop = await ssh.run(m[2]!.address, 'mv /etc/kubernetes/manifests/kube-apiserver.yaml /root/ && for i in $(seq 60); do ss -ltn | grep -q ":6443 " || exit 0; sleep 1; done; exit 1');
    assert.equal(stop.exitCode, 0, 'the first control plane\'s apiserver stopped');
    try {
      for (const w of [m[3]!, m[4]!]) {
        const r = await ssh.run(w.address, 'for i in $(seq 30); do kubectl --kubeconfig /etc/kubernetes/kubelet.conf get --raw /readyz && exit 0; sleep 2; done; exit 1');
        assert.equal(r.exitCode, 0, `${w.name} reaches an apiserver through nginx-proxy: ${r.stderr}`);
      }
    } finally {
      await ssh.run(m[2]!.address, 'mv /root/kube-apiserver.yaml /etc/kubernetes/manifests/');
    }
    await waitForNodes(target, names([...cps, m[3]!, m[4]!]));
  });

  step('5a. scale out one worker on the 5-node cluster: Scaling Out → Healthy, 6 nodes Ready; its time against the 2-node one', async (t) => {
    const cps = [m[2]!, m[5]!, m[6]!];
    const outcome = await apply('target-scale-out-6', targetShape(cps, [m[3]!, m[4]!, m[7]!]), { action: 'scale.yml', extraArgs: `--limit=${m[7]!.name}` });
    t.diagnostic(`scale out: ${outcome.seconds.toFixed(0)} s, phases ${outcome.phases.join(' → ')}`);
    await expectOk(outcome, 'target-scale-out-6');
    assert.deepEqual(phaseLeft(outcome, 'Scaling Out'), ['Scaling Out', 'Healthy'], outcome.phases.join(' → '));
    await waitForNodes(target, names([...cps, m[3]!, m[4]!, m[7]!]));
    const small = scaleOutSeconds.get(2);
    recordNote(`scale-out of one worker, 5 → 6 nodes: ${outcome.seconds.toFixed(0)} s${small ? ` (${(outcome.seconds / small).toFixed(2)} × the 2 → 3 scale-out)` : ''}`);
  });

  check('5b. that scale-out changed the new node only', async (t) => {
    t.diagnostic(await assertOnlyAddedChanged('target-scale-out-6', m[7]!, [m[2]!, m[5]!, m[6]!, m[3]!, m[4]!]));
  });

  check('5c. a stopped kubelet on a worker turns the Cluster Abnormal naming the node; started again, the Cluster is Healthy', async (t) => {
    const worker = m[4]!;
    let seen = '';
    const phaseIs = async (phase: string) => {
      const status = await clusterStatus(mgmt, 'target');
      seen = JSON.stringify({ phase: status.phase, clusterConditions: status.clusterConditions, nodes: status.nodes }, null, 1);
      return status.phase === phase ? status : undefined;
    };
    await waitFor('the Cluster Healthy before', () => phaseIs('Healthy'), 240_000, () => seen);
    const stop = await ssh.run(worker.address, 'systemctl stop kubelet');
    assert.equal(stop.exitCode, 0, stop.stderr);
    const stoppedAt = performance.now();
    let abnormalSeconds = 0;
    try {
      const abnormal = await waitFor(`the Cluster Abnormal naming ${worker.name}`, async () => {
        const status = await phaseIs('Abnormal');
        const workers = status?.clusterConditions?.find((c) => c.type === 'WorkersReady');
        return workers?.status === 'False' && workers.message?.includes(worker.name) ? status : undefined;
      }, 300_000, () => seen);
      abnormalSeconds = (performance.now() - stoppedAt) / 1000;
      assert.equal(abnormal.nodes?.find((n) => n.name === worker.name)?.ready, false, seen);
      assert.ok(abnormal.nodes?.filter((n) => n.name !== worker.name).every((n) => n.ready), `only ${worker.name} is not Ready:\n${seen}`);
    } finally {
      const start = await ssh.run(worker.address, 'systemctl start kubelet');
      assert.equal(start.exitCode, 0, start.stderr);
    }
    const startedAt = performance.now();
    const healthy = await waitFor('the Cluster Healthy again', () => phaseIs('Healthy'), 300_000, () => seen);
    assert.ok(healthy.nodes?.every((n) => n.ready), seen);
    const note = `kubelet stopped on a worker: Abnormal after ${abnormalSeconds.toFixed(0)} s; started again: Healthy after ${((performance.now() - startedAt) / 1000).toFixed(0)} s (observe interval ${OBSERVE_INTERVAL} s)`;
    t.diagnostic(note);
    recordNote(note);
  });

  step('6. remove two workers, then two control planes (kubean delWorkNode, delControlPlane): nodes gone, etcd members match', async (t) => {
    const w = await apply('target-del-worker', targetShape([m[2]!, m[5]!, m[6]!], [m[3]!, m[4]!, m[7]!]), { action: 'remove-node.yml', extraArgs: `-e node=${m[4]!.name},${m[7]!.name}` });
    t.diagnostic(`remove worker: ${w.seconds.toFixed(0)} s, phases ${w.phases.join(' → ')}`);
    await expectOk(w, 'target-del-worker');
    await waitForNodes(target, names([m[2]!, m[5]!, m[6]!, m[3]!]));
    const cp = await apply('target-del-cp', targetShape([m[2]!, m[5]!, m[6]!], [m[3]!]), {
      // kubean's example adds reset_nodes=false for dead machines; these are alive, so reset
      // them (a kubelet left running would register its node again).
      action: 'remove-node.yml', extraArgs: `-e node=${m[5]!.name},${m[6]!.name}`,
    });
    t.diagnostic(`remove control planes: ${cp.seconds.toFixed(0)} s, phases ${cp.phases.join(' → ')}`);
    await expectOk(cp, 'target-del-cp');
    const again = await apply('target-del-cp-2', targetShape([m[2]!], [m[3]!]), { action: 'cluster.yml' });
    t.diagnostic(`reconfigure remaining control plane: ${again.seconds.toFixed(0)} s`);
    await expectOk(again, 'target-del-cp-2');
    await waitForNodes(target, names([m[2]!, m[3]!]));
    assert.deepEqual(await etcdMembers(target, m[2]!.name), [m[2]!.name]);
  });

  step(`7. upgrade ${UPGRADE_FROM} → ${UPGRADE_TO}: refusals first (two minors up, a downgrade), then every node on the new version and the workload still answering`, async (t) => {
    const shape = targetShape([m[2]!], [m[3]!]);
    for (const [op, version] of [['target-upgrade-jump', 'v1.36.4'], ['target-downgrade', 'v1.33.4']] as const) {
      const refused = await apply(op, shape, { action: 'upgrade-cluster.yml', extraArgs: `-e kube_version=${version}` });
      assert.equal(refused.status, 'Failed', `${op} must be refused`);
      assert.match(refused.message, /refus|not allowed|minor|downgrade|lower/i, refused.message);
    }
    assert.ok((await nodes(target)).every((n) => n.version === UPGRADE_FROM), 'the refusals touched no node');
    const outcome = await apply('target-upgrade', shape, { action: 'upgrade-cluster.yml' }, { kube_version: UPGRADE_TO });
    t.diagnostic(`upgrade: ${outcome.seconds.toFixed(0)} s, phases ${outcome.phases.join(' → ')}`);
    recordNote(`upgrade ${UPGRADE_FROM} → ${UPGRADE_TO} of 2 nodes (1 control plane, 1 worker): ${outcome.seconds.toFixed(0)} s, ${(outcome.seconds / 2).toFixed(0)} s per node`);
    await expectOk(outcome, 'target-upgrade');
    assert.ok(outcome.phases.includes('Upgrading'), `phases ${outcome.phases.join(' → ')}`);
    const after = await waitForNodes(target, names([m[2]!, m[3]!]));
    if (!after.every((n) => n.version === UPGRADE_TO)) {
      assert.fail(`nodes on ${after.map((n) => `${n.name} ${n.version}`).join(', ')} after the upgrade\n${await operationDiagnosis(mgmt, 'target-upgrade', CONTROLLER_NAMESPACE)}`);
    }
    const log = await crossNodeCheck(target, m[3]!.name, (ip) => clientPod('client', m[3]!.name, nginxImage, [`${ip}:80`, 'echo.default.svc.cluster.local:80']), 'client');
    assert.equal(log.match(/echo from echo/g)?.length, 2, `the workload survived the upgrade:\n${log}`);
  });

  step('8. reset (kubean uninstall): the machines are clean, and a fresh install on them works again', async (t) => {
    const shape = targetShape([m[2]!], [m[3]!]);
    const reset = await apply('target-reset', shape, { action: 'reset.yml' }, { kube_version: UPGRADE_TO });
    t.diagnostic(`reset: ${reset.seconds.toFixed(0)} s`);
    await expectOk(reset, 'target-reset');
    for (const x of [m[2]!, m[3]!]) {
      const r = await ssh.run(x.address, 'systemctl is-active kubelet; test -e /etc/kubernetes && echo etc-kubernetes; pgrep -x containerd-shim && echo shims; test -e /usr/local/bin/crictl && echo crictl; true');
      assert.doesNotMatch(r.stdout, /^active$/m, `${x.name}: kubelet stopped`);
      assert.doesNotMatch(r.stdout, /etc-kubernetes|shims|crictl/, `${x.name}: ${r.stdout}`);
    }
    const fresh = await apply('target-reinstall', shape, { action: 'cluster.yml' }, { kube_version: UPGRADE_TO });
    t.diagnostic(`reinstall: ${fresh.seconds.toFixed(0)} s`);
    await expectOk(fresh, 'target-reinstall');
    await waitForNodes(target, names([m[2]!, m[3]!]));
  });
});

async function etcdMembers(k: RemoteKubectl, node: string): Promise<string[]> {
  const out = await k.ok([
    '-n', 'kube-system', 'exec', `etcd-${node}`, '--', 'etcdctl', '--endpoints=https://127.0.0.1:2379',
    '--cacert=/etc/kubernetes/pki/etcd/ca.crt', '--cert=/etc/kubernetes/pki/etcd/server.crt', '--key=/etc/kubernetes/pki/etcd/server.key',
    'member', 'list', '-w', 'simple',
  ]);
  return out.trim().split('\n').map((l) => l.split(', ')[2] ?? '').filter(Boolean).sort();
}
