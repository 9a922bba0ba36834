package dev.vertdesk;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.fields;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.lang.reflect.Field;
import java.util.Collection;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The rules that keep the house standing: pure packages stay pure, only the cluster package
 * knows Hazelcast, packages form no cycle, and no class keeps per-node state in a static
 * collection (two nodes in one JVM, as in the tests, would share it).
 */
class ArchitectureTest {

  private static final JavaClasses MAIN = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("dev.vertdesk");

  /** A package that knows nothing of sockets and nothing else of ours, only what it lists. */
  private static ArchRule pure(String pkg, String... allowed) {
    String[] packages = new String[allowed.length + 2];
    packages[0] = "java..";
    packages[1] = "dev.vertdesk." + pkg + "..";
    System.arraycopy(allowed, 0, packages, 2, allowed.length);
    return classes().that().resideInAPackage("dev.vertdesk." + pkg + "..")
        .should().onlyDependOnClassesThat().resideInAnyPackage(packages)
        .because("dev.vertdesk." + pkg + " is pure: no sockets, nothing else of Vertdesk's");
  }

  @Test
  void protocolCodecsArePure() {
    pure("protocol", "dev.vertdesk.proto..", "com.google.protobuf..").check(MAIN);
  }

  @Test
  void cryptoIsPure() {
    pure("crypto", "javax.crypto..", "org.bouncycastle..").check(MAIN);
  }

  @Test
  void configurationIsPure() {
    pure("config", "io.vertx.core.json..").check(MAIN);
  }

  @Test
  void eventsArePure() {
    pure("events", "io.vertx.core.eventbus..", "io.vertx.core.json..").check(MAIN);
  }

  @Test
  void onlyTheClusterPackageKnowsHazelcast() {
    noClasses().that().resideOutsideOfPackage("dev.vertdesk.cluster..")
        .should().dependOnClassesThat().resideInAnyPackage("com.hazelcast..", "io.vertx.spi.cluster.hazelcast..")
        .check(MAIN);
  }

  @Test
  void packagesFormNoCycle() {
    slices().matching("dev.vertdesk.(**)").should().beFreeOfCycles().check(MAIN);
  }

  @Test
  void noStaticCollectionIsMutable() {
    fields().that().areStatic().and().areDeclaredInClassesThat().resideInAPackage("dev.vertdesk..")
        .should(holdNoMutableCollection())
        .check(MAIN);
  }

  /**
   * A static field of a Map or Collection type must be final and hold an unmodifiable collection
   * ({@code Map.of}, {@code List.copyOf} ...): a mutable one is state shared by every node of the
   * JVM, the way a registry keyed by node once hid in static maps.
   */
  private static ArchCondition<JavaField> holdNoMutableCollection() {
    return new ArchCondition<>("hold no mutable collection") {
      @Override
      public void check(JavaField field, ConditionEvents events) {
        Class<?> type = field.getRawType().reflect();
        if (!Map.class.isAssignableFrom(type) && !Collection.class.isAssignableFrom(type)) {
          return;
        }
        String problem = null;
        if (!field.getModifiers().contains(JavaModifier.FINAL)) {
          problem = "is not final";
        } else {
          Object value = read(field);
          if (value != null && !unmodifiable(value)) {
            problem = "holds a mutable " + value.getClass().getName();
          }
        }
        if (problem != null) {
          events.add(SimpleConditionEvent.violated(field, field.getFullName() + " " + problem));
        }
      }
    };
  }

  private static Object read(JavaField field) {
    try {
      Field f = field.reflect();
      f.setAccessible(true);
      return f.get(null);
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new AssertionError("cannot read " + field.getFullName(), e);
    }
  }

  private static boolean unmodifiable(Object value) {
    String name = value.getClass().getName();
    return name.startsWith("java.util.ImmutableCollections$") || name.startsWith("java.util.Collections$Unmodifiable")
        || name.startsWith("java.util.Collections$Empty") || name.startsWith("java.util.Collections$Singleton");
  }
}
