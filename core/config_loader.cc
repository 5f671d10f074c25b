#include "core/config_loader.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/config_builder.h"
#include "core/config_context.h"
#include "core/config_values.h"
#include "core/ini_reader.h"
#include "core/ini_store.h"

namespace ringmaster {
namespace {

std::string MakeAbsolute(const std::string& path, const std::string& cwd) {
  if (!path.empty() && path[0] == '/') return path;
  std::string_view rest = path;
  while (rest.rfind("./", 0) == 0) rest.remove_prefix(2);
  if (cwd.empty() || cwd.back() == '/') return cwd + std::string(rest);
  return cwd + "/" + std::string(rest);
}

std::string DirName(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string JoinTo(const std::string& dir, const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  return dir == "/" ? "/" + path : dir + "/" + path;
}

// The files named by the main file's include and include_dir (§1): each
// pattern's sorted matches in order, then each directory's *.ini.
std::vector<std::string> IncludedFiles(const IniStore& main, const std::string& main_dir,
                                       LoadContext& ctx) {
  std::vector<std::string> files;
  const IniSection* circus = main.Find("circus");
  if (circus == nullptr) return files;
  const std::map<std::string, std::string> env_table = [&] {
    std::map<std::string, std::string> t;
    for (const auto& [k, v] : ctx.env().Environment()) t[ToLower(k)] = v;
    return t;
  }();
  const LoadVars vars{&env_table, nullptr};
  for (std::string_view key : {"include", "include_dir"}) {
    const IniValue* v = circus->Find(key);
    if (v == nullptr) continue;
    const KeyRef k{circus, v};
    for (const std::string& word : SplitWords(ctx.Substitute(k, v->value, vars))) {
      std::string pattern = JoinTo(main_dir, word);
      if (key == "include_dir") pattern = JoinTo(pattern, "*.ini");
      std::vector<std::string> matches = ctx.env().Glob(pattern);
      std::sort(matches.begin(), matches.end());
      if (matches.empty()) ctx.KeyWarning(k, "'" + pattern + "' matches no file");
      files.insert(files.end(), matches.begin(), matches.end());
    }
  }
  return files;
}

// Includes do not nest: drop them from an included file, with a warning.
void DropNestedIncludes(IniFile* file, LoadContext& ctx) {
  auto nested = [](const IniEntry& e) {
    return e.section == "circus" && (e.key == "include" || e.key == "include_dir");
  };
  for (const IniEntry& e : file->entries) {
    if (nested(e)) {
      ctx.Warning(Diagnostic{file->path, e.line, e.section, e.key,
                             "ignored: only the main file may include other files"});
    }
  }
  file->entries.erase(std::remove_if(file->entries.begin(), file->entries.end(), nested),
                      file->entries.end());
}

// Beyond kMaxIniFileBytes a file is refused unparsed: its content would only
// cost memory (ReadFile stops just past the limit, so this sees it).
static_assert(ConfigEnv::kMaxConfigRead > kMaxIniFileBytes);
bool TooLarge(const std::string& file, const std::string& text, std::vector<Diagnostic>* errors) {
  if (text.size() <= kMaxIniFileBytes) return false;
  errors->push_back(Diagnostic{file, 0, "", "", "larger than 16 MiB"});
  return true;
}

// Reading order: the files in load order, then by line (problems are found
// section by section, which is harder to follow).
void SortByPlace(const std::vector<std::string>& order, std::vector<Diagnostic>* diags) {
  auto rank = [&order](const Diagnostic& d) {
    const auto it = std::find(order.begin(), order.end(), d.file);
    return std::make_pair(it - order.begin(), d.line);
  };
  std::stable_sort(diags->begin(), diags->end(),
                   [&](const Diagnostic& a, const Diagnostic& b) { return rank(a) < rank(b); });
}

}  // namespace

LoadResult LoadConfig(const std::string& path, ConfigEnv& env) {
  LoadResult result;
  LoadContext ctx(env, &result.errors, &result.warnings);
  const std::string main = MakeAbsolute(path, env.Cwd());
  Result<std::string> text = env.ReadFile(main);
  if (!text.ok()) {
    result.errors.push_back(Diagnostic{main, 0, "", "", text.error()});
    result.unreadable = true;
    return result;
  }

  if (TooLarge(main, text.value(), &result.errors)) return result;
  IniFile main_ini = ParseIni(main, text.value(), &result.errors);
  // An empty main file (truncated by an editor or a failed deploy, or only
  // comments) would be applied as "no watchers" and stop everything.
  // Refusing is the safe reading; stopping everything takes an explicit
  // [circus] section and no watchers.
  if (main_ini.headers.empty()) {
    result.errors.push_back(Diagnostic{
        main, 0, "", "",
        "has no sections; refusing to apply an empty configuration (write at least a [circus] "
        "section to run with no watchers)"});
    return result;
  }
  IniStore store;
  store.Merge(main_ini, &result.warnings);
  std::vector<std::string> order = {main};
  for (const std::string& file : IncludedFiles(store, DirName(main), ctx)) {
    // e.g. `include = *.ini` matching the main file
    if (std::find(order.begin(), order.end(), file) != order.end()) continue;
    order.push_back(file);
    Result<std::string> content = env.ReadFile(file);
    if (!content.ok()) {
      result.errors.push_back(Diagnostic{file, 0, "", "", content.error()});
      continue;
    }
    if (TooLarge(file, content.value(), &result.errors)) continue;
    IniFile ini = ParseIni(file, content.value(), &result.errors);
    DropNestedIncludes(&ini, ctx);
    store.Merge(ini, &result.warnings);
  }

  Config config = BuildConfig(store, ctx);
  config.main_file = main;
  SortByPlace(order, &result.errors);
  SortByPlace(order, &result.warnings);
  if (result.errors.empty()) result.config = std::move(config);
  return result;
}

}  // namespace ringmaster
