// Result: a value or a readable error, for every fallible call.
#include "core/result.h"

#include <QTest>

#include <memory>

using namespace farmchat;

class tst_Result : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void value();
    void failure();
    void moveOnlyValue();
    void voidResult();
    void structuredError();
};

void tst_Result::value()
{
    const Result<int> r = 42;
    QVERIFY(r.ok());
    QVERIFY(bool(r));
    QCOMPARE(r.value(), 42);
    QVERIFY(r.error().isEmpty());

    Result<QString> text = QStringLiteral("farm");
    QCOMPARE(text->size(), 4);
    text.value() += u's';
    QCOMPARE(text.value(), QStringLiteral("farms"));
}

void tst_Result::failure()
{
    const auto r = Result<int>::failure(QStringLiteral("--nodes must be a whole number"));
    QVERIFY(!r.ok());
    QVERIFY(!r);
    QCOMPARE(r.error(), QStringLiteral("--nodes must be a whole number"));
    // Even a failure without words is a failure.
    QVERIFY(!Result<QString>::failure({}));
}

void tst_Result::moveOnlyValue()
{
    Result<std::unique_ptr<int>> r = std::make_unique<int>(7);
    const std::unique_ptr<int> taken = std::move(r).value();
    QCOMPARE(*taken, 7);

    // What converts to the value type is a value too (a derived pointer).
    struct Base
    {
        virtual ~Base() = default;
        virtual int kind() const { return 0; }
    };
    struct Derived : Base
    {
        int kind() const override { return 1; }
    };
    Result<std::unique_ptr<Base>> made = std::make_unique<Derived>();
    QVERIFY(made.ok());
    QCOMPARE(made.value()->kind(), 1);
}

void tst_Result::voidResult()
{
    const Result<void> fine;
    QVERIFY(fine.ok());
    QVERIFY(fine.error().isEmpty());
    const auto refused = Result<void>::failure(QStringLiteral("port 9090 is in use"));
    QVERIFY(!refused);
    QCOMPARE(refused.error(), QStringLiteral("port 9090 is in use"));
    QVERIFY(!Result<void>::failure({}).ok());
}

void tst_Result::structuredError()
{
    // A caller that picks an exit status per kind of failure gets the kind.
    struct Refusal
    {
        int exitCode = 0;
        QString message;
    };
    const auto refused = Result<void, Refusal>::failure({3, QStringLiteral("port in use")});
    QVERIFY(!refused);
    QCOMPARE(refused.error().exitCode, 3);
    QCOMPARE(refused.error().message, QStringLiteral("port in use"));
    QVERIFY((Result<void, Refusal>().ok()));

    const Result<int, Refusal> counted = 5;
    QVERIFY(counted.ok());
    QCOMPARE(counted.value(), 5);
    const auto bad = Result<int, Refusal>::failure({2, QStringLiteral("bad flag")});
    QVERIFY(!bad.ok());
    QCOMPARE(bad.error().exitCode, 2);
}

QTEST_GUILESS_MAIN(tst_Result)
#include "tst_result.moc"
