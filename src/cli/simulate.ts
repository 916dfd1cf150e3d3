/** `peer-stables simulate`: runs the exchange simulator until SIGINT or SIGTERM. */
import { loadScenario, startSimulator } from '../sim/index.js';

export async function runSimulator(opts: { scenario: string; port: number; host: string }): Promise<void> {
  const scenario = loadScenario(opts.scenario);
  const sim = await startSimulator(scenario, { port: opts.port, host: opts.host });
  process.stdout.write(
    `exchange simulator on ${sim.url} (scenario ${opts.scenario}); point an oracle at it with config/simulator.json\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await sim.close();
}
