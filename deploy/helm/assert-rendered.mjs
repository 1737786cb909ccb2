// What a rendered Sluice chart must hold (deploy/helm/check.sh runs this on each `helm template`):
// bubblewrap's needs on the worker and nothing more, secrets only by reference, Redis password required.
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

const file = process.argv[2];
const docs = parseAllDocuments(readFileSync(file, 'utf8'))
  .map((d) => d.toJS())
  .filter(Boolean);
const problems = [];
const byKind = (kind) => docs.filter((d) => d.kind === kind);
const deployments = byKind('Deployment');
const named = (suffix) => deployments.find((d) => d.metadata.name.endsWith(suffix));
const server = named('-server');
const worker = named('-worker');
if (!server || !worker) problems.push('expected a server and a worker Deployment');

for (const deployment of [server, worker].filter(Boolean)) {
  const pod = deployment.spec.template.spec;
  const [container] = pod.containers;
  const name = deployment.metadata.name;
  const security = container.securityContext ?? {};
  if (security.privileged) problems.push(`${name}: privileged`);
  if (security.allowPrivilegeEscalation !== false)
    problems.push(`${name}: allowPrivilegeEscalation must be false`);
  if (JSON.stringify(security.capabilities?.drop) !== '["ALL"]')
    problems.push(`${name}: must drop ALL capabilities`);
  if (security.runAsNonRoot !== true) problems.push(`${name}: must run as non-root`);
  if (pod.automountServiceAccountToken !== false)
    problems.push(`${name}: must not mount a service account token`);
  const env = Object.fromEntries(container.env.map((e) => [e.name, e]));
  if (!env.REDIS_PASSWORD?.valueFrom?.secretKeyRef)
    problems.push(`${name}: REDIS_PASSWORD must come from a Secret`);
  if (!/^rediss?:\/\/:\$\(REDIS_PASSWORD\)@/.test(env.REDIS_URL?.value ?? ''))
    problems.push(`${name}: REDIS_URL must carry $(REDIS_PASSWORD), found ${env.REDIS_URL?.value}`);
  for (const secret of ['PRIVATE_KEY', 'WEBHOOK_SECRET', 'GITLAB_TOKEN', 'GITLAB_WEBHOOK_SECRET'])
    if (env[secret] && !env[secret].valueFrom?.secretKeyRef)
      problems.push(`${name}: ${secret} must come from a Secret`);
}

if (server) {
  const pod = server.spec.template.spec;
  if (pod.securityContext?.seccompProfile?.type !== 'RuntimeDefault')
    problems.push('server: runs no plans, so it keeps the RuntimeDefault seccomp profile');
  if (pod.hostUsers === false || pod.containers[0].securityContext.procMount)
    problems.push('server: needs no sandbox settings');
}
if (worker) {
  const pod = worker.spec.template.spec;
  const [container] = pod.containers;
  if (pod.hostUsers !== false) problems.push('worker: hostUsers must be false (procMount Unmasked needs it)');
  if (container.securityContext.procMount !== 'Unmasked')
    problems.push('worker: procMount must be Unmasked for bwrap --proc');
  if (pod.securityContext?.seccompProfile?.type !== 'Unconfined')
    problems.push('worker: the runtime seccomp profile blocks the user namespaces bubblewrap needs');
  if (pod.securityContext?.appArmorProfile?.type !== 'Unconfined')
    problems.push('worker: AppArmor must allow user namespaces');
  if (container.args[0] !== 'worker') problems.push('worker: must run `sluice worker`');
}

const hpa = byKind('HorizontalPodAutoscaler')[0];
if (hpa && hpa.spec.scaleTargetRef.name !== worker?.metadata.name)
  problems.push('the HPA must scale the worker Deployment');
if (hpa && worker?.spec.replicas !== undefined)
  problems.push('with an HPA the worker Deployment must not set replicas');

if (problems.length) {
  console.error(`assert-rendered: ${file}:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`assert-rendered: ${file.split('/').pop()}: ${docs.length} resources hold`);
