ALTER TABLE "documents" ADD COLUMN "details" jsonb;--> statement-breakpoint
ALTER TABLE "documents" ADD COLUMN "signed_copy_of" integer;