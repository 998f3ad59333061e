// Editing a trace or log batch part by part on the wire, with the decoded path for parts that have no received
// bytes.
#pragma once

#include <string_view>
#include <utility>

#include "codec/attribute_edit.h"
#include "model/batch.h"

namespace otlpd::processors {

// `rewrite(bytes) -> otlp_wire::RewriteResult` edits each part that still has its received bytes; parts that
// were decoded (or changed as messages) earlier, and bytes the rewrite could not read, are decoded and handed
// to `decoded(request&)`. Edits that keep every item keep the parts' item counts.
template <typename B, typename Rewrite, typename Decoded>
void edit_parts(B& batch, Rewrite&& rewrite, Decoded&& decoded) {
  for (auto& part : batch.raw_parts()) {
    if (part.wire) {
      otlp_wire::RewriteResult r = rewrite(std::string_view(*part.wire));
      if (r.ok) {
        if (r.changed) part.replace_wire(std::move(r.bytes));
        continue;
      }
    }
    part.decode();
    part.wire.reset();
    part.items = B::kUnknownItems;
    decoded(*part.request);
  }
}

}  // namespace otlpd::processors
