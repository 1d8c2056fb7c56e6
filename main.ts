import { App } from 'cdktf';
import { ProductionStack, productionMachines } from './stacks/production-stack';
import { SMOKE_STACK_NAME, SmokeStack } from './stacks/smoke-stack';

// The cdktf app: `cdktf synth` and `npm run synth` run this (see cdktf.json).
const app = new App();
new ProductionStack(app, 'failover-api-production', { machines: productionMachines(process.env, (key) => app.node.tryGetContext(key)) });
new SmokeStack(app, SMOKE_STACK_NAME);
app.synth();
