#include "daemon/process_tree.h"

#include <dirent.h>

#include <cstdlib>
#include <cstring>
#include <deque>

#include "daemon/proc_files.h"

namespace ringmaster {

ProcessTree ProcessTree::Scan() {
  ProcessTree tree;
  DIR* dir = opendir("/proc");
  if (dir == nullptr) return tree;
  while (dirent* e = readdir(dir)) {
    char* end;
    long pid = strtol(e->d_name, &end, 10);
    if (*end != '\0' || pid <= 0) continue;
    std::string stat = ReadProcFile(std::string("/proc/") + e->d_name + "/stat", 1024).value_or("");
    // Format: pid (comm) state ppid ... ; comm may contain spaces or ')'.
    size_t close = stat.rfind(')');
    if (close == std::string::npos || close + 4 >= stat.size()) continue;
    long ppid = strtol(stat.c_str() + close + 4, nullptr, 10);
    tree.children_.emplace(static_cast<pid_t>(ppid), static_cast<pid_t>(pid));
  }
  closedir(dir);
  return tree;
}

std::vector<pid_t> ProcessTree::ChildrenOf(pid_t pid) const {
  std::vector<pid_t> out;
  auto range = children_.equal_range(pid);
  for (auto it = range.first; it != range.second; ++it) out.push_back(it->second);
  return out;
}

std::vector<pid_t> ProcessTree::DescendantsOf(pid_t pid) const {
  std::vector<pid_t> out;
  std::deque<pid_t> todo{pid};
  while (!todo.empty()) {
    pid_t p = todo.front();
    todo.pop_front();
    for (pid_t c : ChildrenOf(p)) {
      out.push_back(c);
      todo.push_back(c);
    }
  }
  return out;
}

std::optional<std::string> ReadProcessEnv(pid_t pid, const std::string& name) {
  std::string env = ReadProcFile("/proc/" + std::to_string(pid) + "/environ", 1 << 20).value_or("");
  std::string prefix = name + "=";
  size_t pos = 0;
  while (pos < env.size()) {
    size_t end = env.find('\0', pos);
    if (end == std::string::npos) end = env.size();
    if (env.compare(pos, prefix.size(), prefix) == 0) {
      return env.substr(pos + prefix.size(), end - pos - prefix.size());
    }
    pos = end + 1;
  }
  return std::nullopt;
}

}  // namespace ringmaster
