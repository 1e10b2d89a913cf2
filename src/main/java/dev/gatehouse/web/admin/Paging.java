package dev.gatehouse.web.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Cursor paging: a page is {@code {"items": [...], "next_cursor": "…"|null}}; the cursor is the
 * opaque (base64url) sort key of the page's last item, passed back as {@code cursor}. Stable under
 * inserts and deletes, unlike offsets.
 */
final class Paging {
  static final int DEFAULT_LIMIT = 50;
  static final int MAX_LIMIT = 200;

  private Paging() {}

  /** The {@code limit} asked for (1 to 200, default 50); 400 otherwise. */
  static int limit(AdminApi.Call call) {
    Optional<String> limit = call.query("limit");
    if (limit.isEmpty()) {
      return DEFAULT_LIMIT;
    }
    try {
      int value = Integer.parseInt(limit.get());
      if (value >= 1 && value <= MAX_LIMIT) {
        return value;
      }
    } catch (NumberFormatException e) {
      // Answered below.
    }
    throw new AdminApi.Problem(400, "invalid_limit", "limit must be a number from 1 to 200.");
  }

  /** The sort key inside the {@code cursor} sent, if any; 400 for one we did not make. */
  static Optional<String> cursor(AdminApi.Call call) {
    Optional<String> cursor = call.query("cursor");
    if (cursor.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          new String(Base64.getUrlDecoder().decode(cursor.get()), StandardCharsets.UTF_8));
    } catch (IllegalArgumentException e) {
      throw new AdminApi.Problem(400, "invalid_cursor", "cursor is not one this API gave out.");
    }
  }

  /**
   * The page document for {@code rows} fetched with {@code limit + 1} (the extra row only tells
   * that more follow); {@code key} gives an item's sort key.
   */
  static <T> ObjectNode page(
      List<T> rows, int limit, Function<T, ObjectNode> render, Function<T, String> key) {
    ObjectNode page = AdminApi.json().createObjectNode();
    ArrayNode items = page.putArray("items");
    List<T> shown = rows.size() > limit ? rows.subList(0, limit) : rows;
    shown.forEach(row -> items.add(render.apply(row)));
    if (rows.size() > limit) {
      page.put(
          "next_cursor",
          Base64.getUrlEncoder()
              .withoutPadding()
              .encodeToString(
                  key.apply(shown.get(shown.size() - 1)).getBytes(StandardCharsets.UTF_8)));
    } else {
      page.putNull("next_cursor");
    }
    return page;
  }

  /** A page that is the whole list. */
  static <T> ObjectNode all(List<T> rows, Function<T, ObjectNode> render) {
    return page(rows, Integer.MAX_VALUE - 1, render, row -> "");
  }
}
