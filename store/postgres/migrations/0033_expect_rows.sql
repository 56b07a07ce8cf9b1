-- 0033: expect_rows lets a statement fail its transaction when it changed
-- another number of rows than the store expected. An update of a group
-- reads, with the group's row lock, which of the members its deltas name
-- the group holds, answers its member changes from that read, and sends
-- them with its last batch, checked by expect_rows: a membership that
-- changed meanwhile (a member deleted, which does not take the group's
-- lock) fails the batch before COMMIT with SQLSTATE SK001, and the store
-- runs the update again reading each change's result.

CREATE FUNCTION expect_rows(got bigint, want bigint) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF got <> want THEN
        RAISE EXCEPTION 'the statement changed % rows, % were expected', got, want
            USING ERRCODE = 'SK001';
    END IF;
END $$;
