// The library API of the `syscall-lab` package (docs/api.md): designs, cost profiles, running a workload and
// comparing designs, with their types. The CLI is built on the same functions.

export type {
  Design,
  DesignBuildConfig,
  DesignFactory,
  DesignHost,
  DesignKernelParts,
  DesignNative,
} from "./cgroup/design.ts";
export { DESIGNS, designIds, getDesign, isBuiltInDesign } from "./cgroup/designs/index.ts";
// designs: the catalogue, a design file's contract, and the loader the CLI uses for design files
export type { Cgroup, CgroupHierarchy } from "./cgroup/hierarchy.ts";
export { type ResolvedDesign, resolveDesign, resolveDesignList } from "./cli/design-loader.ts";
export { toolVersion } from "./cli/version.ts";
export type { Task } from "./kernel/task.ts";
export { TSK_cgroups } from "./kernel/task-struct.ts";
// measuring: one workload, designs against none, the regression gate
export {
  type CompareOptions,
  type ComparePoint,
  type CompareResult,
  compareDesigns,
  DENIED_NR,
  deniesProbe,
  type FilterMode,
  type Flavour,
} from "./measure/compare.ts";
export {
  type Baseline,
  checkAgainst,
  type GateResult,
  type GateSuite,
  measureSuite,
  readBaseline,
  STANDARD_SUITE,
  validateBaseline,
} from "./measure/gate.ts";
// cost profiles
export {
  type CostProfile,
  type CostProfileSpec,
  compileProfile,
  describeProfile,
  getProfile,
  listProfiles,
  type ProfileRow,
} from "./measure/profile.ts";
export { loadProfileFile } from "./measure/profile-file.ts";
export { type RunOptions, type RunReport, runWorkload } from "./measure/run-workload.ts";
export { getWorkload, WORKLOADS, type Workload } from "./workload/index.ts";
