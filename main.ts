import { App } from 'cdktf';
import { FailoverStrategy } from './lib';
import { SMOKE_STACK_NAME, SMOKE_STRATEGY_ENV } from './lib/smoke/smoke-stack-contract';
import { ProductionStack, productionMachines } from './stacks/production-stack';
import { SmokeStack } from './stacks/smoke-stack';

// The cdktf app: `cdktf synth` and `npm run synth` run this (see cdktf.json).
const app = new App();
new ProductionStack(app, 'failover-api-production', { machines: productionMachines(process.env, (key) => app.node.tryGetContext(key)) });
// `npm run smoke -- --target docker --strategy S` picks the smoke stack's strategy through this env var.
new SmokeStack(app, SMOKE_STACK_NAME, { strategy: process.env[SMOKE_STRATEGY_ENV] as FailoverStrategy | undefined });
app.synth();
