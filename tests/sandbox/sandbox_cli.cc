// A stand-alone `sandbox` command for manual runs and contract checks, until the lead wires
// sandbox::Main into jira-mcp itself.
#include <vector>

#include "sandbox/sandbox_server.h"

int main(int argc, char** argv) {
  std::vector<char*> args(argv, argv + argc);
  static char name[] = "sandbox";
  args[0] = name;
  return sandbox::Main(static_cast<int>(args.size()), args.data());
}
