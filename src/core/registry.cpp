// The component registry.
#include "core/registry.h"

#include <algorithm>
#include <stdexcept>

namespace otlpd {

Registry& Registry::instance() {
  static Registry r;
  return r;
}

bool Registry::add(std::unique_ptr<Factory> factory) {
  const Factory* f = factory.get();
  auto put = [&](std::string_view name) {
    auto [it, inserted] = by_name_.emplace(std::pair{f->kind(), std::string(name)}, f);
    if (!inserted) throw std::logic_error("component registered twice: " + std::string(name));
  };
  put(f->type());
  for (auto a : f->aliases()) put(a);
  owned_.push_back(std::move(factory));
  return true;
}

const Factory* Registry::find(Kind kind, std::string_view type) const {
  auto it = by_name_.find(std::pair{kind, std::string(type)});
  return it == by_name_.end() ? nullptr : it->second;
}

std::vector<std::string> Registry::types(Kind kind) const {
  std::vector<std::string> out;
  for (const auto& f : owned_)
    if (f->kind() == kind) out.emplace_back(f->type());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace otlpd
