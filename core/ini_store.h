// The merged view of every ini file of one load (docs/config.md §1):
// sections with the same name are merged across places and files, and for a
// key defined twice in one section the first definition wins (later ones are
// dropped with a warning naming both places). Pure; single-threaded use.
#ifndef RINGMASTER_CORE_INI_STORE_H_
#define RINGMASTER_CORE_INI_STORE_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/diagnostic.h"
#include "core/ini_reader.h"

namespace ringmaster {

struct IniValue {
  std::string key;
  std::string value;
  SourceLoc loc;
};

struct IniSection {
  std::string name;
  SourceLoc loc;                 // the first header
  std::vector<IniValue> values;  // in order of first definition

  const IniValue* Find(std::string_view key) const;
};

class IniStore {
 public:
  // Adds one parsed file after the ones merged so far. Duplicate-key warnings
  // go to `warnings`.
  void Merge(const IniFile& file, std::vector<Diagnostic>* warnings);

  // Sections in order of first appearance.
  const std::vector<IniSection>& sections() const { return sections_; }
  const IniSection* Find(std::string_view name) const;

 private:
  IniSection& SectionFor(const std::string& name, const SourceLoc& header);

  std::vector<IniSection> sections_;
  std::map<std::string, size_t, std::less<>> index_;
  // Per section: key -> index in values.
  std::vector<std::map<std::string, size_t>> keys_;
};

}  // namespace ringmaster

#endif  // RINGMASTER_CORE_INI_STORE_H_
