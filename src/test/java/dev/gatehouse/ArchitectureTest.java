package dev.gatehouse;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The import rules of DESIGN.md / STYLE.md, stated so that they stay true. */
class ArchitectureTest {
  private static final String[] DOMAIN = {
    "dev.gatehouse.kernel..",
    "dev.gatehouse.url..",
    "dev.gatehouse.identity..",
    "dev.gatehouse.credential..",
    "dev.gatehouse.session..",
    "dev.gatehouse.signin..",
    "dev.gatehouse.admin..",
    "dev.gatehouse.keys..",
    "dev.gatehouse.oidc..",
  };

  private static final JavaClasses CLASSES =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.gatehouse");

  @Test
  void domainPackagesDoNotImportTheEdges() {
    noClasses()
        .that()
        .resideInAnyPackage(DOMAIN)
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.gatehouse.web..",
            "dev.gatehouse.store..",
            "dev.gatehouse.app..",
            "dev.gatehouse.config..",
            "java.sql..",
            "javax.sql..",
            "org.jdbi..",
            "org.eclipse.jetty..",
            "gg.jte..",
            "picocli..")
        .check(CLASSES);
  }

  @Test
  void kernelUsesTheJdkOnly() {
    noClasses()
        .that()
        .resideInAPackage("dev.gatehouse.kernel..")
        .should()
        .dependOnClassesThat()
        .resideOutsideOfPackages("dev.gatehouse.kernel..", "java..", "javax..")
        .check(CLASSES);
  }

  @Test
  void onlyTheStoreTouchesJdbc() {
    noClasses()
        .that()
        .resideOutsideOfPackages("dev.gatehouse.store..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "java.sql..",
            "org.jdbi..",
            "org.flywaydb..",
            "com.zaxxer..",
            "org.sqlite..",
            "org.postgresql..")
        .check(CLASSES);
  }

  @Test
  void onlyTheWebTouchesHttp() {
    noClasses()
        .that()
        .resideOutsideOfPackages("dev.gatehouse.web..", "dev.gatehouse.app..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("org.eclipse.jetty..")
        .check(CLASSES);
  }

  @Test
  void onlyPagesAndMailsTouchTemplates() {
    noClasses()
        .that()
        .resideOutsideOfPackages(
            "dev.gatehouse.web..", "dev.gatehouse.app..", "dev.gatehouse.mail..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("gg.jte..")
        .check(CLASSES);
  }

  @Test
  void signInMethodsDoNotImportEachOther() {
    slices().matching("dev.gatehouse.signin.(*)..").should().notDependOnEachOther().check(CLASSES);
  }

  @Test
  void packagesHaveNoCycles() {
    slices().matching("dev.gatehouse.(*)..").should().beFreeOfCycles().check(CLASSES);
  }
}
