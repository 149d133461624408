package org.meter2mqtt.itests;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Checks a JSON document against the subset of JSON Schema that {@code health.schema.json} uses: {@code type}
 * (one or several), {@code enum}, {@code required}, {@code properties}, {@code items}. Returns every violation
 * with its path, so a failing test says what is wrong.
 */
final class JsonSchemaCheck {

    private JsonSchemaCheck() {
    }

    static List<String> violations(JsonNode schema, JsonNode doc) {
        List<String> out = new ArrayList<>();
        check(schema, doc, "$", out);
        return out;
    }

    private static void check(JsonNode schema, JsonNode doc, String path, List<String> out) {
        JsonNode type = schema.get("type");
        if (type != null) {
            List<String> allowed = new ArrayList<>();
            if (type.isArray()) {
                type.forEach(t -> allowed.add(t.asText()));
            } else {
                allowed.add(type.asText());
            }
            if (allowed.stream().noneMatch(t -> is(t, doc))) {
                out.add(path + ": expected " + allowed + ", got " + doc.getNodeType() + " " + doc);
                return;
            }
        }
        JsonNode values = schema.get("enum");
        if (values != null) {
            boolean found = false;
            for (JsonNode v : values) {
                found |= v.equals(doc);
            }
            if (!found) {
                out.add(path + ": " + doc + " is not one of " + values);
            }
        }
        JsonNode required = schema.get("required");
        if (required != null && doc.isObject()) {
            required.forEach(r -> {
                if (!doc.has(r.asText())) {
                    out.add(path + ": missing " + r.asText());
                }
            });
        }
        JsonNode properties = schema.get("properties");
        if (properties != null && doc.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = properties.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> p = it.next();
                if (doc.has(p.getKey())) {
                    check(p.getValue(), doc.get(p.getKey()), path + "." + p.getKey(), out);
                }
            }
        }
        JsonNode items = schema.get("items");
        if (items != null && doc.isArray()) {
            for (int i = 0; i < doc.size(); i++) {
                check(items, doc.get(i), path + "[" + i + "]", out);
            }
        }
    }

    private static boolean is(String type, JsonNode n) {
        switch (type) {
            case "object": return n.isObject();
            case "array": return n.isArray();
            case "string": return n.isTextual();
            case "integer": return n.isIntegralNumber();
            case "number": return n.isNumber();
            case "boolean": return n.isBoolean();
            case "null": return n.isNull();
            default: throw new IllegalArgumentException("schema type " + type + " not supported here");
        }
    }
}
