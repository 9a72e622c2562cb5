export {};
//# sourceMappingURL=workload.js.map