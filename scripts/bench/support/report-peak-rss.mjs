// Preloaded (`node --import`) into the runner by the Postgres bench: prints the process's peak
// RSS on stderr as it exits, for the bench to read. In a subfolder so that `npm run bench`
// does not take it for a bench.
process.on('exit', () => {
  process.stderr.write(`backflow-bench-peak-rss-kb=${process.resourceUsage().maxRSS}\n`);
});
