DROP INDEX "document_versions_document_created_idx";--> statement-breakpoint
ALTER TABLE "document_versions" ALTER COLUMN "created_at" SET DATA TYPE timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "document_versions" ALTER COLUMN "created_at" SET DEFAULT now();--> statement-breakpoint
CREATE INDEX "document_versions_document_time_idx" ON "document_versions" USING btree ("document_id","created_at","id");