/** The exchange simulator's public surface: parse a scenario, start a server for it. */
export { startSimulator, type Simulator, type SimulatorOptions } from './server.js';
export { loadScenario, parseScenario, type Scenario, type Fault } from './scenario.js';
