import { App } from 'cdktf';
import { FailoverStrategy } from './lib';
import { SMOKE_IMAGE_REGISTRY_ENV, SMOKE_STACK_NAME, SMOKE_STRATEGY_ENV, SMOKE_WEIGHTS_ENV } from './lib/smoke/smoke-stack-contract';
import { ProductionStack, productionMachines } from './stacks/production-stack';
import { SmokeStack } from './stacks/smoke-stack';

// The cdktf app: `cdktf synth` and `npm run synth` run this (see cdktf.json).
const app = new App();
new ProductionStack(app, 'failover-api-production', { machines: productionMachines(process.env, (key) => app.node.tryGetContext(key)) });
// `npm run smoke -- --target docker --strategy S --image-registry R` reaches the smoke stack through env vars.
new SmokeStack(app, SMOKE_STACK_NAME, {
  strategy: process.env[SMOKE_STRATEGY_ENV] as FailoverStrategy | undefined,
  imageRegistry: process.env[SMOKE_IMAGE_REGISTRY_ENV] || undefined,
  weights: process.env[SMOKE_WEIGHTS_ENV]?.split(',').map(Number),
});
app.synth();
