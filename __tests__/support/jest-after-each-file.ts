import { removeTestOutdirs } from './synth';

afterAll(() => {
  removeTestOutdirs();
});
