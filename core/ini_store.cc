#include "core/ini_store.h"

namespace ringmaster {

const IniValue* IniSection::Find(std::string_view key) const {
  for (const IniValue& v : values) {
    if (v.key == key) return &v;
  }
  return nullptr;
}

IniSection& IniStore::SectionFor(const std::string& name, const SourceLoc& header) {
  auto it = index_.find(name);
  if (it != index_.end()) return sections_[it->second];
  index_.emplace(name, sections_.size());
  sections_.push_back(IniSection{name, header, {}});
  keys_.emplace_back();
  return sections_.back();
}

void IniStore::Merge(const IniFile& file, std::vector<Diagnostic>* warnings) {
  for (const IniHeader& h : file.headers) SectionFor(h.name, SourceLoc{file.path, h.line});
  for (const IniEntry& e : file.entries) {
    // The reader only emits entries after a header, so the section exists.
    const size_t s = index_.at(e.section);
    IniSection& section = sections_[s];
    const SourceLoc loc{file.path, e.line};
    auto [it, inserted] = keys_[s].emplace(e.key, section.values.size());
    if (!inserted) {
      const SourceLoc& first = section.values[it->second].loc;
      warnings->push_back(Diagnostic{file.path, e.line, section.name, e.key,
                                     "duplicate key ignored; the first definition at " +
                                         first.file + ":" + std::to_string(first.line) + " wins"});
      continue;
    }
    section.values.push_back(IniValue{e.key, e.value, loc});
  }
}

const IniSection* IniStore::Find(std::string_view name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &sections_[it->second];
}

}  // namespace ringmaster
