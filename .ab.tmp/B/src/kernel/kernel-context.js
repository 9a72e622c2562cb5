export {};
//# sourceMappingURL=kernel-context.js.map