export { installPacked, nodeEval, packWorkspacePackage, repoRoot } from "./pack.js";
