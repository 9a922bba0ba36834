package dev.vertdesk.app;

import java.util.List;

/** The built-in verticle names, read from the shipped defaults so tests follow new verticles. */
final class ConfigNames {

  static final List<String> BUILT_IN = List.copyOf(
      dev.vertdesk.config.ConfigLoader.defaults().getJsonObject("verticles").fieldNames());

  private ConfigNames() {
  }

}
