import { App } from 'cdktf';

// The cdktf app: `cdktf synth` and `npm run synth` run this (see cdktf.json).
const app = new App();
app.synth();
