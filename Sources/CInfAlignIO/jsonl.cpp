// One JSONL record parsed by simdjson's DOM parser (fully validating: UTF-8, grammar, numbers), copied into
// parser-owned vectors the Swift side reads before the next call.
#include "infalign_io.h"

#include <simdjson.h>

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <new>
#include <string>
#include <string_view>
#include <vector>

struct infalign_jsonl_parser {
  simdjson::dom::parser parser;
  unsigned fields;
  std::vector<double> values[INFALIGN_JSONL_FIELDS];
  std::string id;
};

static const char *const field_names[INFALIGN_JSONL_FIELDS] = {"reference_rewards", "rewards", "policy_logprobs",
                                                               "reference_logprobs", "old_logprobs"};

size_t infalign_jsonl_padding(void) { return simdjson::SIMDJSON_PADDING; }

infalign_jsonl_parser *infalign_jsonl_parser_create(unsigned fields) {
  infalign_jsonl_parser *p = new (std::nothrow) infalign_jsonl_parser();
  if (p) p->fields = fields;
  return p;
}

void infalign_jsonl_parser_destroy(infalign_jsonl_parser *parser) { delete parser; }

static int fail(char *message, size_t capacity, const char *format, const char *detail, size_t index) {
  if (capacity > 0) snprintf(message, capacity, format, detail, index);
  return 1;
}

int infalign_jsonl_parse(infalign_jsonl_parser *p, const char *line, size_t length, infalign_jsonl_record *out,
                         char *message, size_t capacity) {
  try {
    simdjson::dom::element document;
    auto error = p->parser.parse(reinterpret_cast<const uint8_t *>(line), length, false).get(document);
    if (error) return fail(message, capacity, "not a valid JSON object (%s)", simdjson::error_message(error), 0);
    simdjson::dom::object object;
    if (document.get_object().get(object)) return fail(message, capacity, "not a JSON object%s", "", 0);
    bool seen[INFALIGN_JSONL_FIELDS] = {};
    bool seen_id = false;
    memset(out, 0, sizeof *out);
    for (auto field : object) {
      std::string_view key = field.key;
      if (key == "id") {
        if (seen_id) return fail(message, capacity, "duplicate field \"%s\"", "id", 0);
        seen_id = true;
        simdjson::dom::element value = field.value;
        char digits[32];
        switch (value.type()) {
          case simdjson::dom::element_type::STRING: {
            std::string_view s = value.get_string().value_unsafe();
            p->id.assign(s.data(), s.size());
            out->id_kind = INFALIGN_JSONL_ID_STRING;
            break;
          }
          case simdjson::dom::element_type::INT64:
            snprintf(digits, sizeof digits, "%" PRId64, value.get_int64().value_unsafe());
            p->id.assign(digits);
            out->id_kind = INFALIGN_JSONL_ID_NUMBER;
            break;
          case simdjson::dom::element_type::UINT64:
            snprintf(digits, sizeof digits, "%" PRIu64, value.get_uint64().value_unsafe());
            p->id.assign(digits);
            out->id_kind = INFALIGN_JSONL_ID_NUMBER;
            break;
          case simdjson::dom::element_type::DOUBLE:
            out->id_number = value.get_double().value_unsafe();
            p->id.clear();
            out->id_kind = INFALIGN_JSONL_ID_DOUBLE;
            break;
          default:
            return fail(message, capacity, "field \"%s\" must be a string or a number", "id", 0);
        }
        continue;
      }
      int which = -1;
      for (int i = 0; i < INFALIGN_JSONL_FIELDS; i++) {
        if (key == field_names[i] && (p->fields & (1u << i))) which = i;
      }
      if (which < 0) continue;  // other fields (and those not asked for) are allowed and ignored
      if (seen[which]) return fail(message, capacity, "duplicate field \"%s\"", field_names[which], 0);
      seen[which] = true;
      simdjson::dom::array array;
      if (field.value.get_array().get(array)) {
        return fail(message, capacity, "field \"%s\" must be an array of numbers", field_names[which], 0);
      }
      std::vector<double> &values = p->values[which];
      values.clear();
      values.reserve(array.size());
      size_t index = 0;
      for (auto element : array) {
        double x;
        switch (element.type()) {
          case simdjson::dom::element_type::DOUBLE: x = element.get_double().value_unsafe(); break;
          case simdjson::dom::element_type::INT64: x = double(element.get_int64().value_unsafe()); break;
          case simdjson::dom::element_type::UINT64: x = double(element.get_uint64().value_unsafe()); break;
          default:
            return fail(message, capacity, "field \"%s\" element %zu is not a number", field_names[which], index);
        }
        values.push_back(x);
        index++;
      }
    }
    if (!seen_id) return fail(message, capacity, "missing field \"%s\"", "id", 0);
    out->id = p->id.data();
    out->id_length = p->id.size();
    for (int i = 0; i < INFALIGN_JSONL_FIELDS; i++) {
      out->present[i] = seen[i];
      out->values[i] = p->values[i].data();
      out->counts[i] = seen[i] ? p->values[i].size() : 0;
    }
    return 0;
  } catch (const std::exception &e) {
    return fail(message, capacity, "cannot parse the line (%s)", e.what(), 0);
  } catch (...) {
    return fail(message, capacity, "cannot parse the line%s", "", 0);
  }
}
